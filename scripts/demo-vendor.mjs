#!/usr/bin/env node
// A vendor to point the README's walkthrough at: it prints each request it receives and answers
//   /fail…       500 (Herald retries it until its attempts run out, then it is FAILED)
//   /slow-down…  429 with Retry-After: 5 (Herald holds the whole destination for 5 s, then retries)
//   anything else 200
// `npm run demo-vendor` (port 4000), `npm run demo-vendor -- --port 4001`, or DEMO_VENDOR_PORT=4001.
// It listens on loopback only: start Herald with HERALD_ALLOW_PRIVATE_TARGETS=true to deliver to it.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' } } });
const port = Number(values.port ?? process.env.DEMO_VENDOR_PORT ?? 4000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(
    `demo vendor: --port must be a port number, not ${values.port ?? process.env.DEMO_VENDOR_PORT}\n`,
  );
  process.exit(2);
}

/** The headers worth seeing: what Herald adds, and what says what the body is. */
const SHOWN_HEADERS = /^(x-herald-|webhook-|content-type$|idempotency-key$|authorization$)/;
const BODY_SHOWN = 200;

function answerFor(path) {
  if (path === '/fail' || path.startsWith('/fail/') || path.startsWith('/fail?')) return { status: 500 };
  if (path === '/slow-down' || path.startsWith('/slow-down/') || path.startsWith('/slow-down?')) {
    return { status: 429, headers: { 'retry-after': '5' } };
  }
  return { status: 200 };
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const path = request.url ?? '/';
    const { status, headers = {} } = answerFor(path);
    const body = Buffer.concat(chunks).toString('utf8');
    const lines = [`${new Date().toISOString()} ${request.method} ${path} -> ${status}`];
    for (const [name, value] of Object.entries(request.headers)) {
      // An Authorization value is a credential: its scheme is enough to see it arrived.
      const shown = name === 'authorization' ? `${String(value).split(' ', 1)[0]} …` : value;
      if (SHOWN_HEADERS.test(name)) lines.push(`  ${name}: ${shown}`);
    }
    if (body !== '') lines.push(`  ${body.length > BODY_SHOWN ? `${body.slice(0, BODY_SHOWN)}…` : body}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify({ status }));
  });
});

server.on('error', (error) => {
  process.stderr.write(`demo vendor: ${error.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address();
  process.stdout.write(
    `Demo vendor listening on http://127.0.0.1:${bound} (200; /fail: 500; /slow-down: 429, Retry-After 5)\n`,
  );
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
