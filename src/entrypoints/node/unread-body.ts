import type { IncomingMessage, ServerResponse } from 'node:http';

/** How much of a body nobody will use is read and thrown away before the connection is cut. */
export const DISCARD_LIMITS = {
  /** API Gateway's own limit on a request body: an honest client sends no more than this. */
  bytes: 10 * 1024 * 1024,
  ms: 10_000,
};

/**
 * Reads and throws away the rest of a request body that the answer does not need (a 413, or a 401
 * sent before reading), instead of closing the connection under a client still sending it. Closing
 * a socket with unread data resets it, and a client that writes its whole request before it reads
 * the answer (most simple ones) then gets a write error (EPIPE, ECONNRESET) rather than the answer.
 * Once the body has ended, the connection serves its next request as usual. A body longer than
 * `limits.bytes` or slower than `limits.ms` is cut off: the socket is destroyed, but only after the
 * answer has been written.
 */
export function discardBody(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  limits: { bytes: number; ms: number } = DISCARD_LIMITS,
): void {
  if (incoming.complete) return;
  let discarded = 0;
  const stop = () => {
    clearTimeout(timer);
    incoming.off('data', onData);
    incoming.off('end', stop);
    incoming.off('close', stop);
  };
  const cutOff = () => {
    stop();
    const destroy = () => incoming.socket.destroy();
    if (outgoing.writableFinished) destroy();
    else outgoing.once('finish', destroy).once('close', destroy);
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.bytes) cutOff();
  };
  const timer = setTimeout(cutOff, limits.ms);
  timer.unref();
  incoming.on('data', onData);
  incoming.once('end', stop);
  incoming.once('close', stop);
  incoming.resume();
}
