import { createServer, type RequestListener, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from '../api/problem.js';

/**
 * How long a client may take and how many may be connected at once, so idle and half-open
 * connections (slowloris: headers sent a byte at a time, or never finished) and clients that do not
 * read their answers cannot hold the server. Documented in docs/operations.md.
 */
const SERVER_LIMITS = {
  /** To send the request line and headers; node answers 408 and closes after it. Node's default: 60 s. */
  headersTimeoutMs: 10_000,
  /** To send the whole request, body included (256 KiB at most). Node's default: 300 s. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this. Node's default, made explicit. */
  keepAliveTimeoutMs: 5_000,
  /** How often node looks for connections over the first two; its default (30 s) would let them run over by that much. */
  connectionsCheckingIntervalMs: 1_000,
  /**
   * Connections at once; more are closed as they arrive. Below the usual 1024 file descriptors of a
   * process (`ulimit -n`), leaving room for the store and the deliveries' own connections: running
   * out of descriptors fails accept() and outgoing connects alike.
   */
  maxConnections: 512,
  /**
   * To take an answer once it is complete: a client that sends requests and never reads the answers
   * would otherwise hold them in memory (and its connection) for good, node having stopped reading
   * its requests meanwhile. Every answer is written whole at once, so this bounds the whole download.
   */
  writeTimeoutMs: 30_000,
};

/** What a test may shorten; production uses SERVER_LIMITS as they are. */
export type ServerLimitOverrides = Partial<Pick<typeof SERVER_LIMITS, 'writeTimeoutMs'>>;

/** An HTTP server with SERVER_LIMITS, answering malformed and timed-out requests with a problem document. */
export function createLimitedServer(
  listener: RequestListener,
  logger: Logger,
  overrides: ServerLimitOverrides = {},
): Server {
  const { writeTimeoutMs } = { ...SERVER_LIMITS, ...overrides };
  const server = createServer(
    {
      headersTimeout: SERVER_LIMITS.headersTimeoutMs,
      requestTimeout: SERVER_LIMITS.requestTimeoutMs,
      connectionsCheckingInterval: SERVER_LIMITS.connectionsCheckingIntervalMs,
    },
    (incoming, outgoing) => {
      dropWhenUnread(outgoing, writeTimeoutMs);
      listener(incoming, outgoing);
    },
  );
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveTimeoutMs;
  server.maxConnections = SERVER_LIMITS.maxConnections;
  server.on('clientError', answerClientError);
  // Once listening, a failed accept() (EMFILE) is emitted here; unheard, it would end the process.
  server.on('error', (error) => logger.error({ err: error }, 'HTTP server error'));
  return server;
}

/**
 * Closes the connection when the answer is still not handed to the client `timeoutMs` after it was
 * ended ('prefinish': complete, and the connection's current answer; 'finish': all of it handed to
 * the operating system). The answers queued behind it on the connection go with it.
 */
function dropWhenUnread(response: ServerResponse, timeoutMs: number): void {
  response.once('prefinish', () => {
    const socket = response.socket;
    const timer = setTimeout(() => socket?.destroy(), timeoutMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    response.once('finish', stop);
    response.once('close', stop);
  });
}

/** What node reports about a request it could not parse or that took too long, as our codes. */
function problemOf(error: NodeJS.ErrnoException): [ErrorCode, string] {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ['REQUEST_TIMEOUT', 'The request was not received in time'];
    case 'HPE_HEADER_OVERFLOW':
      return ['HEADERS_TOO_LARGE', 'The request line and headers are limited to 16 KiB'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return ['PAYLOAD_TOO_LARGE', 'Chunk extensions are too large'];
    default:
      return ['MALFORMED_REQUEST', 'The request is not valid HTTP/1.1'];
  }
}

/**
 * Replaces node's default answer (a bare status line) with a problem document, then closes the
 * connection, as the default does. Only on a connection that has written nothing yet: past that, a
 * response may be under way and a second one would corrupt it, so the connection is just closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex & { bytesWritten?: number }): void {
  if (error.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten !== 0) {
    socket.destroy();
    return;
  }
  const [code, detail] = problemOf(error);
  const problem = problemFor(code, detail);
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // The end of the answer is written; whatever else the client sends is not read.
  socket.once('finish', () => socket.destroy());
}

/**
 * Stops taking connections and resolves once every one has ended. node's close() ends only the
 * connections idle at that moment: one busy then, and asked again before its keep-alive timeout ran
 * out (an open console polls every few seconds), would stay open as long as its client kept asking.
 * So every request from then on is answered with `Connection: close`, ending its connection.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // First among the listeners: the console's files are answered synchronously by the next one.
    server.prependListener('request', (_request, response) => response.setHeader('connection', 'close'));
    server.close(() => resolve());
  });
}
