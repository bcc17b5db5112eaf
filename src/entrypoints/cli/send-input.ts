import { readFile } from 'node:fs/promises';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface SendFlags {
  url?: string;
  method?: string;
  header?: string[];
  body?: string;
  jsonBody?: string;
  idempotencyKey?: string;
  orderingKey?: string;
  maxAttempts?: string;
  timeoutMs?: string;
  metadata?: string;
  sign?: boolean;
  file?: string;
}

/**
 * The notification to send: the JSON of `--file` (`-` reads stdin) as a base, each flag given
 * overriding its field. The API validates the result; only what cannot be parsed is refused here.
 */
export async function notificationFrom(
  flags: SendFlags,
  stdin: () => Promise<string>,
): Promise<Record<string, unknown>> {
  const base = flags.file === undefined ? {} : parseObject(await readSource(flags.file, stdin), `--file ${flags.file}`);
  const notification: Record<string, unknown> = { ...base };
  if (flags.url !== undefined) notification.url = flags.url;
  if (flags.method !== undefined) notification.method = flags.method;
  if (flags.header !== undefined && flags.header.length > 0) {
    const headers = { ...(notification.headers as Record<string, string> | undefined) };
    for (const header of flags.header) {
      const colon = header.indexOf(':');
      if (colon <= 0) throw new UsageError(`--header ${JSON.stringify(header)}: expected "Name: value"`);
      headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
    }
    notification.headers = headers;
  }
  if (flags.body !== undefined && flags.jsonBody !== undefined) {
    throw new UsageError('give --body or --json-body, not both');
  }
  if (flags.body !== undefined) notification.body = flags.body;
  if (flags.jsonBody !== undefined) notification.body = parseJson(flags.jsonBody, '--json-body');
  if (flags.idempotencyKey !== undefined) notification.idempotencyKey = flags.idempotencyKey;
  if (flags.orderingKey !== undefined) notification.orderingKey = flags.orderingKey;
  if (flags.maxAttempts !== undefined) notification.maxAttempts = wholeNumber(flags.maxAttempts, '--max-attempts');
  if (flags.timeoutMs !== undefined) notification.timeoutMs = wholeNumber(flags.timeoutMs, '--timeout-ms');
  if (flags.metadata !== undefined) notification.metadata = parseObject(flags.metadata, '--metadata');
  if (flags.sign) notification.sign = true;
  if (notification.url === undefined) throw new UsageError('send needs --url, or a --file whose JSON has a url');
  return notification;
}

async function readSource(file: string, stdin: () => Promise<string>): Promise<string> {
  if (file === '-') return stdin();
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--file ${file}: ${(error as Error).message}`);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what}: not valid JSON`);
  }
}

function parseObject(text: string, what: string): Record<string, unknown> {
  const value = parseJson(text, what);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${what}: expected a JSON object`);
  return value as Record<string, unknown>;
}

export function wholeNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what}: expected a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** A number written plainly, fractions allowed (`0.5`, `12`); the API checks its range. */
export function decimalNumber(text: string, what: string): number {
  if (!/^\d+(\.\d+)?$/.test(text))
    throw new UsageError(`${what}: expected a number such as 5 or 0.5, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** All of stdin as text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
