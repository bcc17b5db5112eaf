import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Why writing the request failed (the server reset the connection), if it did. */
  writeError?: string;
  /** The body as text; JSON bodies are parsed. */
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected field by field in tests
  body: any;
}

/** Opens a TCP connection to the host and port of an http:// base URL. */
export async function openSocket(baseUrl: string): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/**
 * Sends `head` (request line and headers, exactly as given, CRLF-separated, without the blank line)
 * and `body` on a fresh connection and reads one response, as the simplest clients do: the whole
 * request is written before anything is read. For what an HTTP client library would not send:
 * repeated or odd headers, bytes that are not UTF-8, bodies larger than their answer. An error
 * writing the body (the server may stop reading it) is not a failure: the answer is what counts,
 * and it is lost only if the server resets the connection before the client has read it.
 */
export async function rawExchange(
  baseUrl: string,
  head: string[],
  body: Buffer = Buffer.alloc(0),
): Promise<RawResponse> {
  const socket = await openSocket(baseUrl);
  socket.pause();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (parse(Buffer.concat(chunks)) !== undefined) resolve();
    });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  // Reads once the body is written, or its write failed.
  const written = new Promise<string | undefined>((resolve) =>
    socket.write(body, (error) => {
      resolve(error ? ((error as NodeJS.ErrnoException).code ?? error.message) : undefined);
      socket.resume();
    }),
  );
  const writeError = await written;
  await done;
  socket.destroy();
  const response = parse(Buffer.concat(chunks));
  if (response === undefined) {
    throw new Error(`no complete response (write: ${writeError ?? 'ok'}); got ${Buffer.concat(chunks).toString()}`);
  }
  return writeError === undefined ? response : { ...response, writeError };
}

/** A complete HTTP/1.1 response with a Content-Length, or undefined while it is incomplete. */
export function parse(bytes: Buffer): RawResponse | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (bytes.length < end + 4 + length) return undefined;
  const text = bytes.subarray(end + 4, end + 4 + length).toString('utf8');
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}
