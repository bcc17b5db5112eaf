import type { IncomingMessage, ServerResponse } from 'node:http';

/** How much of a body nobody will use is read and thrown away before the connection is cut. */
const DISCARD_LIMITS = {
  /** API Gateway's own limit on a request body, so both modes wait for as much. */
  bytes: 10 * 1024 * 1024,
  ms: 10_000,
};

/**
 * Reads and throws away the rest of a request body that the answer does not need (the 413 of an
 * oversized request, or its 401), instead of closing the connection under a client still sending
 * it. Closing a socket with unread data resets it, and a client that writes its whole request
 * before it reads the answer (most simple ones) then gets a write error (EPIPE, ECONNRESET) rather
 * than the answer. Once the body has ended, the connection serves its next request as usual. A body
 * longer or slower than DISCARD_LIMITS allows is cut off: the socket is destroyed, but only after
 * the answer has been written.
 */
export function discardBody(incoming: IncomingMessage, outgoing: ServerResponse): void {
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
    if (discarded > DISCARD_LIMITS.bytes) cutOff();
  };
  const timer = setTimeout(cutOff, DISCARD_LIMITS.ms);
  timer.unref();
  incoming.on('data', onData);
  incoming.once('end', stop);
  incoming.once('close', stop);
  incoming.resume();
}
