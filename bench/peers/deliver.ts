import { type Dispatcher, request } from 'undici';
import type { PeerNotification } from './ingest-server.js';

/** Herald's default attempt timeout (HERALD_ATTEMPT_TIMEOUT_MS). */
const ATTEMPT_TIMEOUT_MS = 10_000;

function encodeBody(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/**
 * One delivery as Herald makes it: the caller's method, headers and body (a JSON value sent as JSON,
 * with a content type unless the caller named one), plus `X-Herald-Notification-Id`, by which the
 * bench's sink counts deliveries. Resolves with the status code; the response body is read and
 * dropped so undici can reuse the socket.
 */
export async function deliver(id: string, notification: PeerNotification): Promise<number> {
  const { url, method, headers, body } = notification;
  const namesContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  const isJsonValue = body !== undefined && body !== null && typeof body !== 'string';
  const res = await request(url, {
    method: method as Dispatcher.HttpMethod,
    headers: {
      ...headers,
      ...(isJsonValue && !namesContentType ? { 'content-type': 'application/json' } : {}),
      'x-herald-notification-id': id,
    },
    body: encodeBody(body),
    headersTimeout: ATTEMPT_TIMEOUT_MS,
    bodyTimeout: ATTEMPT_TIMEOUT_MS,
  });
  await res.body.dump();
  return res.statusCode;
}
