/**
 * The HTTP side of a peer, as a team would write it with node:http: POST /v1/notifications takes
 * Herald's request shape (`url`, `method`, `headers`, `body`) and answers 202 with an `id` and a
 * `createdAt` once `accept` has taken the notification; GET /healthz answers 200. It checks what it
 * needs to deliver (an http(s) URL) and nothing else Herald validates.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface PeerNotification {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Herald's request limit: a bigger body is refused before it is read whole. */
const MAX_REQUEST_BYTES = 256 * 1024;

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new BadRequest(413, `larger than ${MAX_REQUEST_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseNotification(text: string): PeerNotification {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw new BadRequest(400, 'not JSON');
  }
  const { url, method = 'POST', headers = {}, body } = (input ?? {}) as Record<string, unknown>;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new BadRequest(400, 'url must be http(s)');
  if (typeof method !== 'string') throw new BadRequest(400, 'method must be a string');
  if (typeof headers !== 'object' || headers === null) throw new BadRequest(400, 'headers must be an object');
  return { url, method, headers: headers as Record<string, string>, body };
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Serves the peer's API on 127.0.0.1 at HERALD_PORT, the port the bench's `spawnService` hands every
 * service it starts. `accept` resolves with the notification's id once the peer has taken it.
 */
export function serveIngest(accept: (notification: PeerNotification) => string | Promise<string>): void {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      req.resume();
      reply(res, 200, { status: 'ok' });
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/notifications') {
      req.resume();
      reply(res, 404, { error: 'not found' });
      return;
    }
    readBody(req)
      .then(async (text) => {
        const id = await accept(parseNotification(text));
        reply(res, 202, { id, status: 'QUEUED', createdAt: new Date().toISOString() });
      })
      .catch((error: unknown) => {
        if (error instanceof BadRequest) reply(res, error.status, { error: error.message });
        else reply(res, 503, { error: error instanceof Error ? error.message : String(error) });
      });
  });
  server.listen(Number(process.env.HERALD_PORT), '127.0.0.1');
}
