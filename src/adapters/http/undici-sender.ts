import dns from 'node:dns';
import { STATUS_CODES } from 'node:http';
import net, { type LookupFunction } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
// The values come by path, not `from 'undici'`: its index also loads fetch, WebSocket, EventSource,
// caches and mocks, half a megabyte of every Lambda bundle (and of the node server's memory) that
// delivery never uses. These are the dispatcher, the connector and `request` the index re-exports;
// their types are in undici-internals.d.ts.
import type { buildConnector as BuildConnector, Dispatcher, Agent as UndiciAgent } from 'undici';
import dispatchRequest from 'undici/lib/api/api-request.js';
import buildConnector from 'undici/lib/core/connect.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import { NOTIFICATION_ID_HEADER } from '../../domain/headers.js';
import type { HttpExchange } from '../../domain/outcome.js';
import type { HttpSender, OutgoingRequest } from '../../ports/http-sender.js';
import { type Logger, silentLogger } from '../../ports/logger.js';
import { blockedAddressKind, blockedAddressReason } from './address-policy.js';

export interface UndiciHttpSenderOptions {
  /** Allow loopback, private, link-local and metadata targets (`HERALD_ALLOW_PRIVATE_TARGETS`). */
  allowPrivateTargets: boolean;
  /** How much of a response body is kept, in bytes. Default 4096 (docs/api/openapi.json). */
  responseBodyLimitBytes?: number;
  /** Sockets kept per origin. Default: unlimited (bounded by the delivery concurrency). */
  connectionsPerOrigin?: number;
  /** Where a blocked target's addresses are logged for operators (the attempt's message omits them). */
  logger?: Logger;
}

const DEFAULT_BODY_LIMIT = 4096;
/**
 * After the kept part, read at most this much more so the connection can be reused; a longer
 * body is cut off (socket closed) instead of downloading what we would throw away.
 */
const DRAIN_LIMIT = 64 * 1024;

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * Raised inside the connector when a target resolves only to addresses the policy blocks. Its
 * message names the kinds of address (what the attempt records, for API readers); `blocked` names
 * the addresses too, for the operators' log: where a name resolves inside the network is not the
 * caller's to learn.
 */
class BlockedTargetError extends Error {
  override readonly name = 'BlockedTargetError';
  readonly code = 'BLOCKED_TARGET';

  constructor(
    message: string,
    readonly blocked: string,
  ) {
    super(message);
  }
}

/** The distinct kinds of the addresses, without the addresses (`loopback; IPv4-mapped, private`). */
function kindsOf(addresses: string[]): string {
  return [...new Set(addresses.map((address) => blockedAddressKind(address)))].join('; ');
}

/** The per-attempt deadline, used as the abort reason so it can be told apart from other aborts. */
class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError';
  readonly code = 'ATTEMPT_TIMEOUT';
}

/**
 * Resolves like `dns.lookup` but hands `net.connect` only addresses the policy allows, so the
 * address judged is the address connected to: a DNS answer that changes between a check and the
 * connect (rebinding) cannot slip a private address through.
 */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) {
      callback(err, '', 0);
      return;
    }
    const allowed = addresses.filter((entry) => blockedAddressReason(entry.address) === null);
    const first = allowed[0];
    if (first === undefined) {
      const judged = addresses.map((entry) => `${entry.address} (${blockedAddressReason(entry.address)})`);
      const kinds = kindsOf(addresses.map((entry) => entry.address));
      callback(new BlockedTargetError(`the target resolves to a blocked address (${kinds})`, judged.join(', ')), '', 0);
      return;
    }
    if (options.all) callback(null, allowed);
    else callback(null, first.address, first.family);
  });
};

/** `net.connect` skips `lookup` for IP literals, so those are judged here before connecting. */
function guardedConnector(connectTimeoutMs: number): BuildConnector.connector {
  const connect = buildConnector({ lookup: guardedLookup, timeout: connectTimeoutMs });
  return (options, callback) => {
    if (net.isIP(options.hostname) !== 0) {
      const reason = blockedAddressReason(options.hostname);
      if (reason !== null) {
        const kind = kindsOf([options.hostname]);
        callback(
          new BlockedTargetError(`the target is a blocked address (${kind})`, `${options.hostname} (${reason})`),
          null,
        );
        return;
      }
    }
    connect(options, callback);
  };
}

interface CappedBody {
  text: string;
  /** When the body was fully read (or cut off), before any drain of the rest. */
  readAt: number;
}

/**
 * Keeps the first `limit` bytes of a response body. The rest is discarded as it arrives (never
 * buffered): drained when short so the socket can be reused, otherwise the socket is closed.
 */
function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<CappedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      const room = limit - kept;
      if (chunk.length < room) {
        chunks.push(chunk);
        kept += chunk.length;
        return;
      }
      chunks.push(chunk.subarray(0, room));
      kept = limit;
      cleanup();
      const readAt = performance.now();
      // A multi-byte character cut at the limit is dropped rather than shown as U+FFFD.
      const text = new StringDecoder('utf8').write(Buffer.concat(chunks));
      // dump() never rejects without a signal; the request's abort signal still bounds it in time.
      body.dump({ limit: limit + DRAIN_LIMIT }).then(() => resolve({ text, readAt }), reject);
    };
    const onEnd = () => {
      cleanup();
      const readAt = performance.now();
      const decoder = new StringDecoder('utf8');
      resolve({ text: decoder.write(Buffer.concat(chunks)) + decoder.end(), readAt });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'UNKNOWN';
}

function errorMessage(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') {
    // net's happy-eyeballs failure: one error per address tried, with an empty message of its own.
    return err.errors.map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner))).join('; ');
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Delivers over one pooled, keep-alive undici `Agent`. Sends exactly the caller's method, headers
 * and body (undici adds only `host`, `connection` and the body's framing), never follows redirects,
 * and turns every network or vendor problem into a `failure` exchange instead of throwing.
 */
export class UndiciHttpSender implements HttpSender {
  private readonly agent: UndiciAgent;
  private readonly bodyLimit: number;
  private readonly logger: Logger;

  constructor(options: UndiciHttpSenderOptions) {
    this.bodyLimit = options.responseBodyLimitBytes ?? DEFAULT_BODY_LIMIT;
    this.logger = options.logger ?? silentLogger;
    const connectTimeoutMs = 10_000;
    this.agent = new Agent({
      ...(options.connectionsPerOrigin !== undefined ? { connections: options.connectionsPerOrigin } : {}),
      connect: options.allowPrivateTargets ? { timeout: connectTimeoutMs } : guardedConnector(connectTimeoutMs),
    });
  }

  async send(request: OutgoingRequest): Promise<HttpExchange> {
    const started = performance.now();
    const elapsed = (until = performance.now()) => Math.round(until - started);

    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return this.refused('INVALID_URL', `Not a URL: ${request.url}`, elapsed());
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return this.refused(
        'UNSUPPORTED_PROTOCOL',
        `Only http and https targets are delivered to, not ${url.protocol}`,
        elapsed(),
      );
    }

    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new AttemptTimeoutError(`No complete response within ${request.timeoutMs} ms`)),
      request.timeoutMs,
    );
    let headersReceived = false;
    try {
      const response = await dispatchRequest.call(this.agent, {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
      });
      headersReceived = true;
      const { text, readAt } = await readCapped(response.body, this.bodyLimit);
      const retryAfter = response.headers['retry-after'];
      return {
        kind: 'response',
        statusCode: response.statusCode,
        statusText: STATUS_CODES[response.statusCode] ?? response.statusText ?? '',
        retryAfter: Array.isArray(retryAfter) ? (retryAfter[0] ?? null) : (retryAfter ?? null),
        body: text,
        responseTimeMs: elapsed(readAt),
      };
    } catch (err) {
      if (controller.signal.aborted) {
        const phase = headersReceived ? 'reading the response body' : 'waiting for a response';
        return {
          kind: 'failure',
          reason: 'TIMEOUT',
          code: 'ATTEMPT_TIMEOUT',
          message: `Attempt timed out after ${request.timeoutMs} ms while ${phase}`,
          responseTimeMs: elapsed(),
        };
      }
      const code = errorCode(err);
      if (err instanceof BlockedTargetError) {
        this.logger.warn(
          { target: url.host, notificationId: request.headers[NOTIFICATION_ID_HEADER], blocked: err.blocked },
          'delivery refused: the target is or resolves to blocked addresses',
        );
        return this.refused('BLOCKED_TARGET', err.message, elapsed());
      }
      return {
        kind: 'failure',
        reason: TIMEOUT_CODES.has(code) ? 'TIMEOUT' : 'NETWORK',
        code,
        message: errorMessage(err),
        responseTimeMs: elapsed(),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for in-flight requests, then closes every pooled socket. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  /** A target Herald will not deliver to: permanent, never retried (docs/design.md §1 (outcomes)). */
  private refused(code: string, message: string, responseTimeMs: number): HttpExchange {
    return { kind: 'failure', reason: 'BLOCKED_TARGET', code, message, responseTimeMs };
  }
}
