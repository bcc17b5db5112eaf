import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../../ports/logger.js';

/** The path the console is served at; everything under it is the console's, outside `/v1` and its API keys. */
export const CONSOLE_PATH = '/console';

/**
 * Where `npm run build` writes the console (scripts/build-console.mjs): beside the server bundle
 * when running `dist/herald.mjs`, or the repository's `dist/` when running from source (tests, tsx).
 */
const BUILT_CONSOLE_DIRS = ['./console/', '../../../dist/console/'].map((relative) =>
  fileURLToPath(new URL(relative, import.meta.url)),
);

/**
 * The console runs only its own files and talks only to this origin. No inline script or style can
 * run, so even markup that slipped into the page (it should not: vendor text is rendered as text)
 * could not execute; no other site may frame it; the API key in sessionStorage never leaves in a
 * Referer.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}

export interface ConsoleAssets {
  /**
   * Answers the request when its path is the console's (or a GET of the root, sent to the console)
   * and returns true; otherwise leaves it alone.
   */
  handle(incoming: IncomingMessage, outgoing: ServerResponse): boolean;
}

/**
 * The built console, read and compressed once at start-up (a rebuild is served after a restart).
 * Without a build the console's paths answer 404 naming the command that makes one.
 */
export function loadConsoleAssets(logger: Logger, dirs: string[] = BUILT_CONSOLE_DIRS): ConsoleAssets {
  const dir = dirs.find((candidate) => existsSync(join(candidate, 'index.html')));
  const assets = new Map<string, Asset>();
  if (dir === undefined) {
    logger.warn({ looked: dirs }, 'the console is not built (npm run build); /console answers 404');
  } else {
    for (const name of readdirSync(dir)) {
      const contentType = CONTENT_TYPES[extname(name)];
      if (contentType === undefined) continue;
      const body = readFileSync(join(dir, name));
      const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      assets.set(name, { contentType, body, gzipped: gzipSync(body, { level: 9 }), etag });
    }
  }

  return {
    handle(incoming, outgoing) {
      const path = (incoming.url ?? '/').split('?', 1)[0] ?? '/';
      // The root is where a browser pointed at the server lands: the console is what it can show there.
      if (path === '/' && (incoming.method === 'GET' || incoming.method === 'HEAD')) {
        outgoing.statusCode = 302;
        outgoing.setHeader('location', CONSOLE_PATH);
        outgoing.setHeader('cache-control', 'no-store');
        outgoing.end();
        return true;
      }
      if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return false;
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) outgoing.setHeader(name, value);
      // The request may carry a body (a stray POST); it is not read, so the connection cannot be reused.
      if (incoming.method !== 'GET' && incoming.method !== 'HEAD') {
        outgoing.setHeader('allow', 'GET, HEAD');
        outgoing.setHeader('connection', 'close');
        return plain(outgoing, 405, `${path} answers GET, HEAD, not ${incoming.method}\n`);
      }
      const name =
        path === CONSOLE_PATH || path === `${CONSOLE_PATH}/` ? 'index.html' : path.slice(CONSOLE_PATH.length + 1);
      const asset = assets.get(name);
      if (asset === undefined) {
        return plain(
          outgoing,
          404,
          assets.size === 0 ? 'The console is not built: run npm run build\n' : 'Not found\n',
        );
      }
      outgoing.setHeader('content-type', asset.contentType);
      // Revalidated on every load (a 304 when unchanged), so a new build is picked up at once.
      outgoing.setHeader('cache-control', 'no-cache');
      outgoing.setHeader('etag', asset.etag);
      outgoing.setHeader('vary', 'accept-encoding');
      if (incoming.headers['if-none-match'] === asset.etag) {
        outgoing.statusCode = 304;
        outgoing.end();
        return true;
      }
      const gzip = /\bgzip\b/i.test(String(incoming.headers['accept-encoding'] ?? ''));
      const body = gzip ? asset.gzipped : asset.body;
      if (gzip) outgoing.setHeader('content-encoding', 'gzip');
      outgoing.setHeader('content-length', body.byteLength);
      outgoing.statusCode = 200;
      outgoing.end(incoming.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}

function plain(outgoing: ServerResponse, status: number, text: string): true {
  outgoing.statusCode = status;
  outgoing.setHeader('content-type', 'text/plain; charset=utf-8');
  outgoing.setHeader('cache-control', 'no-store');
  outgoing.end(text);
  return true;
}
