import type { IncomingMessage } from 'node:http';
import type { HttpApiBindings } from '../api/http-api.js';

/**
 * Reads a request body into memory before the API sees the request (see HttpApiBindings): up to
 * `limit` bytes, or `tooLarge` without reading on once the declared or received size is over the
 * limit (the caller answers 413 and discards the rest, see discardBody). Undefined for GET and HEAD.
 * A request whose client goes away mid-body is dropped: there is nobody to answer.
 */
export function readBody(
  incoming: IncomingMessage,
  limit: number,
  done: (body: HttpApiBindings['preReadBody']) => void,
): void {
  if (incoming.method === 'GET' || incoming.method === 'HEAD') {
    done(undefined);
    return;
  }
  const declared = Number(incoming.headers['content-length']);
  if (incoming.headers['transfer-encoding'] === undefined && declared > limit) {
    done('tooLarge');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.pause();
      done('tooLarge');
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = () => done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
  incoming.on('data', onData);
  incoming.on('end', onEnd);
}
