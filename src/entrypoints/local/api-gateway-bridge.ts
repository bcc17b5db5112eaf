import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { Logger } from '../../ports/logger.js';
import type { HttpApiBindings } from '../api/http-api.js';
import { readBody } from '../node/request-body.js';
import { discardBody } from '../node/unread-body.js';

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** API Gateway HTTP APIs refuse request bodies over 10 MB before any function runs. */
export const HTTP_API_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface ApiGatewayBridgeOptions {
  handler: HttpApiHandler;
  /** A fresh Lambda context per request (each request is one invocation). */
  context: () => Context;
  logger: Logger;
  /**
   * Whether a request's `Authorization` names a valid key, when keys are configured: a request without
   * one is not worth its body (the function answers it 401, or serves an open route that reads none),
   * so its body is never buffered, as the node server does.
   */
  hasValidKey?: (authorization: string | undefined) => boolean;
}

/**
 * A request listener that plays API Gateway HTTP API (payload format 2.0) in front of one function.
 * It authorizes nothing: a check on the raw path here would not see the path the function's router
 * resolves (`/x/../v1/…`), so API keys are the function's to check (createIngestHandler); it only
 * declines to read the body of a request whose key is not valid (`hasValidKey`).
 */
export function apiGatewayBridge(options: ApiGatewayBridgeOptions): RequestListener {
  return (req, res) => {
    serve(req, res, options).catch((error: unknown) => {
      options.logger.error({ err: error, method: req.method, path: req.url }, 'API Gateway bridge failed');
      if (!res.headersSent) writeJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, options: ApiGatewayBridgeOptions): Promise<void> {
  const body = await requestBody(req, res, options);
  if (body === 'tooLarge') {
    // API Gateway's own answer, while the client may still be sending the rest.
    discardBody(req, res);
    writeJson(res, 413, { message: 'Request Entity Too Large' });
    return;
  }
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const event = toHttpApiEvent(req, bytes);

  let result: APIGatewayProxyResultV2;
  try {
    result = await options.handler(event, options.context());
  } catch (error) {
    // What API Gateway answers when the function fails or its result is not a valid response.
    options.logger.error(
      { err: error, method: event.requestContext.http.method, path: event.rawPath },
      'ingest failed',
    );
    writeJson(res, 500, { message: 'Internal Server Error' });
    return;
  }
  writeResult(res, result, req.method === 'HEAD');
}

/** The request's body, or none when its key is not valid (then the rest of it is thrown away unread). */
async function requestBody(
  req: IncomingMessage,
  res: ServerResponse,
  options: ApiGatewayBridgeOptions,
): Promise<HttpApiBindings['preReadBody']> {
  if (options.hasValidKey && !options.hasValidKey(req.headers.authorization)) {
    discardBody(req, res);
    return undefined;
  }
  return new Promise((resolve) => readBody(req, HTTP_API_MAX_PAYLOAD_BYTES, resolve));
}

/**
 * The payload format 2.0 event API Gateway builds: header names lower-cased and repeated values joined
 * with commas, cookies moved to `cookies`, the query both raw and parsed (repeats joined with commas),
 * and a body that is base64 unless its content type is text.
 */
export function toHttpApiEvent(req: IncomingMessage, body: Buffer, now = new Date()): APIGatewayProxyEventV2 {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : url.slice(queryStart + 1);

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(',') : value;
    if (name === 'cookie') {
      cookies = joined
        .split(';')
        .map((cookie) => cookie.trim())
        .filter(Boolean);
      continue;
    }
    headers[name] = joined;
  }
  const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');

  const domainName = headers.host ?? 'localhost';
  // A body that is not UTF-8 cannot travel as a JSON string without loss: API Gateway base64-encodes it.
  const binary = isBinary(headers['content-type'], headers['content-encoding']) || !isUtf8(body);
  const queryStringParameters = parseQuery(rawQueryString);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString(binary ? 'base64' : 'utf8') } : {}),
    isBase64Encoded: body.length > 0 && binary,
  };
}

function isBinary(contentType: string | undefined, contentEncoding: string | undefined): boolean {
  if (contentEncoding && contentEncoding.toLowerCase() !== 'identity') return true;
  if (!contentType) return false;
  return !/^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded|graphql)\b)/i.test(
    contentType,
  );
}

function parseQuery(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return parameters;
}

/** `12/Mar/2020:19:03:58 +0000`, as API Gateway writes requestContext.time. */
function clfTime(date: Date): string {
  const [, day, month, year, time] = date.toUTCString().match(/^\w+, (\d+) (\w+) (\d+) ([\d:]+)/) ?? [];
  return `${day?.padStart(2, '0')}/${month}/${year}:${time} +0000`;
}

/** Hop-by-hop headers are the proxy's business, not the function's; API Gateway drops them too. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * Sends the function's answer as API Gateway does. A result without a `statusCode` (a string, or any
 * other JSON value) means 200 with that value as a JSON body.
 */
function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2, head: boolean): void {
  if (typeof result !== 'object' || result === null || result.statusCode === undefined) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    writeBody(res, 200, { 'content-type': 'application/json' }, Buffer.from(body), head);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (!HOP_BY_HOP.has(name.toLowerCase()) && name.toLowerCase() !== 'content-length') headers[name] = String(value);
  }
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  writeBody(res, result.statusCode, headers, body, head);
}

function writeJson(res: ServerResponse, status: number, value: unknown): void {
  writeBody(res, status, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(value)));
}

function writeBody(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: Buffer,
  head = false,
): void {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(head ? undefined : body);
}
