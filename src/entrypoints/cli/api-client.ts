/**
 * The CLI's only way to Herald: its public HTTP API. Errors keep what the API said (the problem's
 * code, detail and bad fields) so the CLI can show it and exit 1.
 */

const READ_METHODS = new Set(['GET', 'HEAD']);

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly problem: { code?: string; detail?: string; errors?: { field: string; message: string }[] } | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  apiKey?: string;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export class ApiClient {
  readonly #baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The parsed JSON body of a 2xx answer (text for a non-JSON one); ApiError for any other status. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.exchange<T>(method, path, body)).body;
  }

  /** Like `request`, with the status too (a send answers 202 for a new notification, 200 for a replay). */
  async exchange<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    // Herald takes no request that changes something without it, bodiless ones (pause, retry) included.
    if (body !== undefined || !READ_METHODS.has(method)) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ApiError(0, undefined, `cannot reach Herald at ${this.#baseUrl} (${cause})`);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const problem = typeof parsed === 'object' && parsed !== null ? (parsed as ApiError['problem']) : undefined;
      const what = problem?.detail ?? (text || response.statusText);
      throw new ApiError(
        response.status,
        problem,
        `${method} ${path}: ${response.status} ${problem?.code ?? ''} ${what}`.replace(/\s+/g, ' ').trim(),
      );
    }
    return { status: response.status, body: parsed as T };
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A query string from the defined values, e.g. `?status=FAILED&limit=10`; empty when none is. */
export function queryString(parameters: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
