/**
 * The vendor sink, run in its own process (`node --import tsx bench/sink-server.ts`) so its CPU is
 * not the load generator's nor Herald's. It answers every POST with 200 (or, on /fail-first/<n>,
 * 503 to the first n requests of each notification), and counts what Herald delivers: per
 * X-Herald-Notification-Id, the first-receipt time and the number of receipts.
 *
 * Control endpoints (not counted): GET /__bench/stats, GET /__bench/receipts, POST /__bench/reset.
 * The port is reported to the parent over IPC as `{ type: 'ready', port }`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface SinkStats {
  /** Every request to a vendor route, with or without a notification id. */
  requests: number;
  /** Distinct notification ids seen. */
  unique: number;
  /** Receipts of an id beyond its first (at-least-once duplicates and retries both count here). */
  repeats: number;
  /** Receipts answered 2xx beyond the first 2xx per id: true duplicates of a delivered notification. */
  duplicateDeliveries: number;
  /** Date.now() of the latest first receipt. */
  lastFirstReceiptAt: number | null;
}

const firstReceipt = new Map<string, number>();
const receipts = new Map<string, number>();
const succeeded = new Set<string>();
let requests = 0;
let repeats = 0;
let duplicateDeliveries = 0;
let lastFirstReceiptAt: number | null = null;

function stats(): SinkStats {
  return { requests, unique: firstReceipt.size, repeats, duplicateDeliveries, lastFirstReceiptAt };
}

function reset(): void {
  firstReceipt.clear();
  receipts.clear();
  succeeded.clear();
  requests = 0;
  repeats = 0;
  duplicateDeliveries = 0;
  lastFirstReceiptAt = null;
}

function control(req: IncomingMessage, res: ServerResponse): void {
  const reply = (value: unknown) => {
    const text = JSON.stringify(value);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  switch (`${req.method} ${req.url}`) {
    case 'GET /__bench/stats':
      reply(stats());
      return;
    case 'GET /__bench/receipts':
      reply(Object.fromEntries(firstReceipt));
      return;
    case 'POST /__bench/reset':
      reset();
      reply(stats());
      return;
    default:
      res.statusCode = 404;
      res.end();
  }
}

const OK = Buffer.from('ok');

const server = createServer((req, res) => {
  if (req.url?.startsWith('/__bench/')) {
    req.resume();
    req.on('end', () => control(req, res));
    return;
  }
  // The body is read (and dropped) before answering, as a real vendor would.
  req.resume();
  req.on('end', () => {
    const at = Date.now();
    requests++;
    const id = req.headers['x-herald-notification-id'];
    let status = 200;
    if (typeof id === 'string') {
      const seen = (receipts.get(id) ?? 0) + 1;
      receipts.set(id, seen);
      if (seen === 1) {
        firstReceipt.set(id, at);
        lastFirstReceiptAt = at;
      } else {
        repeats++;
      }
      const failFirst = /^\/fail-first\/(\d+)/.exec(req.url ?? '');
      if (failFirst && seen <= Number(failFirst[1])) status = 503;
      if (status === 200) {
        if (succeeded.has(id)) duplicateDeliveries++;
        else succeeded.add(id);
      }
    }
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': OK.length });
    res.end(OK);
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  if (process.send) process.send({ type: 'ready', port });
  else process.stdout.write(`sink listening on http://127.0.0.1:${port}\n`);
});

// The parent going away (even by kill -9) ends the sink too.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
