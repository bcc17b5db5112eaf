import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface VendorRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as received, and decoded as UTF-8. */
  bytes: Buffer;
  body: string;
  /** Date.now() when the request had arrived whole, and when its answer was sent (undefined until then). */
  arrivedAt: number;
  answeredAt?: number;
  /** The status it was answered with (undefined until then). */
  statusCode?: number;
}

/**
 * A real HTTP server standing in for a vendor, scripted by path:
 *   /ok                  200
 *   /status/<code>       that status (a 3xx carries a Location to /ok)
 *   /fail-first/<n>      503 for the first n requests of each notification, then 200
 *   /retry-after/<s>     429 with Retry-After: <s> for the first request of each notification, then 200
 *   /hang                never answers
 *   /huge/<code>         that status with a 5 MB body
 *   /slow/<ms>           200 after <ms>
 *   /switch              503 until `healthy` is set, then 200
 *   /retry-after-once/<s> 429 with Retry-After: <s> for the first request to this route, then 200
 *   /markup/<code>       that status with an HTML body whose markup would run script if rendered (MARKUP_BODY)
 *   /flaky               after a random 0–30 ms: 503 for a third of notifications' first requests, else 200
 *   /held                200 once `release()` is called (the requests waiting then, and any after it)
 * Every request is recorded, with the notification id Herald puts in its headers.
 */
export interface Vendor {
  url: string;
  requests: VendorRequest[];
  requestsFor(notificationId: string): VendorRequest[];
  /** What /switch answers: 503 while false. */
  healthy: boolean;
  /** Answers the /held requests waiting, and from then on answers /held at once. */
  release(): void;
  /** Requests received and not answered yet (a /hang request stays until the client gives up). */
  readonly inFlight: number;
  /** The most requests in flight at once so far. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

/** What /markup answers: harmless as text, script if a page ever rendered it as markup. */
export const MARKUP_BODY = '<img src=x onerror="globalThis.heraldPwned=1"><script>globalThis.heraldPwned=2</script>';

export async function startVendor(): Promise<Vendor> {
  const requests: VendorRequest[] = [];
  const requestsFor = (id: string) => requests.filter((r) => r.headers['x-herald-notification-id'] === id);
  let inFlight = 0;
  let maxInFlight = 0;
  let retryAfterSent = false;
  let released = false;
  const held: (() => void)[] = [];
  const state = { healthy: false };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let counted = true;
    const done = () => {
      if (counted) inFlight--;
      counted = false;
    };
    res.once('close', done);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const bytes = Buffer.concat(chunks);
      const record: VendorRequest = {
        method: req.method ?? '',
        path,
        headers: req.headers,
        bytes,
        body: bytes.toString(),
        arrivedAt: Date.now(),
      };
      res.once('finish', () => {
        record.answeredAt = Date.now();
        record.statusCode = res.statusCode;
      });
      requests.push(record);
      const id = String(req.headers['x-herald-notification-id'] ?? '');
      const [, route = '', arg = ''] = (path.split('?')[0] ?? '').split('/');
      const count = requestsFor(id).length;
      switch (route) {
        case 'ok':
          return res.end('ok');
        case 'status': {
          const code = Number(arg);
          if (code >= 300 && code < 400) res.setHeader('location', '/ok');
          res.statusCode = code;
          return res.end(`status ${code}`);
        }
        case 'fail-first':
          res.statusCode = count <= Number(arg) ? 503 : 200;
          return res.end();
        case 'retry-after':
          if (count === 1) {
            res.statusCode = 429;
            res.setHeader('retry-after', arg);
          }
          return res.end();
        case 'hang':
          return;
        case 'huge':
          res.statusCode = Number(arg);
          return res.end('x'.repeat(5 * 1024 * 1024));
        case 'slow':
          setTimeout(() => res.end('ok'), Number(arg));
          return;
        case 'switch':
          res.statusCode = state.healthy ? 200 : 503;
          return res.end();
        case 'markup':
          res.statusCode = Number(arg);
          res.setHeader('content-type', 'text/html');
          return res.end(MARKUP_BODY);
        case 'flaky':
          setTimeout(() => {
            res.statusCode = count === 1 && Math.random() < 1 / 3 ? 503 : 200;
            res.end();
          }, Math.random() * 30);
          return;
        case 'held':
          if (released) return res.end('ok');
          held.push(() => res.end('ok'));
          return;
        case 'retry-after-once':
          if (!retryAfterSent) {
            retryAfterSent = true;
            res.statusCode = 429;
            res.setHeader('retry-after', arg);
          }
          return res.end();
        default:
          res.statusCode = 404;
          return res.end('no such vendor route');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsFor,
    get healthy() {
      return state.healthy;
    },
    set healthy(value: boolean) {
      state.healthy = value;
    },
    release() {
      released = true;
      for (const answer of held.splice(0)) answer();
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Vendors started by one test, closed after it: call inside a `describe`; the function it returns
 * starts one more.
 */
export function vendorsPerTest(): () => Promise<Vendor> {
  const vendors: Vendor[] = [];
  afterEach(async () => {
    for (const vendor of vendors.splice(0)) await vendor.close();
  });
  return async () => {
    const vendor = await startVendor();
    vendors.push(vendor);
    return vendor;
  };
}
