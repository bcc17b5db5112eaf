/**
 * The CLI's only way to Herald: its public HTTP API. Errors keep what the API said (the problem's
 * code, detail and bad fields) so the CLI can show it and exit 1; an answer Herald would not give
 * (not JSON, not a problem, not the shape expected) is an error too, never data the CLI trips on.
 */

import * as z from 'zod';

const READ_METHODS = new Set(['GET', 'HEAD']);

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly problem: { code: string; detail?: string; errors?: { field: string; message: string }[] } | undefined,
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

  /**
   * The JSON body of a 2xx answer, checked against what Herald answers there (`expected`); ApiError
   * for any other status, and for an answer that is not Herald's.
   */
  async request<T>(method: string, path: string, expected: z.ZodType<T>, body?: unknown): Promise<T> {
    return (await this.exchange(method, path, expected, body)).body;
  }

  /** Like `request`, with the status too (a send answers 202 for a new notification, 200 for a replay). */
  async exchange<T>(
    method: string,
    path: string,
    expected: z.ZodType<T>,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
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
    const notHerald = (what: string) =>
      new ApiError(
        response.status,
        undefined,
        `${method} ${path}: ${response.status} ${what}: not Herald's answer; check --server or HERALD_URL (${this.#baseUrl})`,
      );
    if (!response.ok) {
      const problem = problemOf(parsed);
      if (problem === undefined) throw notHerald(`${response.statusText} (${contentTypeOf(response)})`);
      // The fields' messages are printed one a line after the headline; the detail repeats them all.
      const what = problem.errors?.length ? '' : (problem.detail ?? '');
      throw new ApiError(
        response.status,
        problem,
        `${method} ${path}: ${response.status} ${problem.code} ${what}`.replace(/\s+/g, ' ').trim(),
      );
    }
    if (parsed === NOT_JSON) throw notHerald(`(${contentTypeOf(response)}, not JSON)`);
    const checked = expected.safeParse(parsed);
    if (!checked.success) {
      const [issue] = checked.error.issues;
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw notHerald(`(JSON, ${where}${issue?.message ?? 'unexpected'})`);
    }
    // The answer as Herald wrote it (the check passes unknown fields through, but may reorder them).
    return { status: response.status, body: parsed as T };
  }
}

/** A body that did not parse as JSON. */
const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

const problem = z.object({
  code: z.string(),
  detail: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** Herald's application/problem+json error body, or undefined for anything else. */
function problemOf(body: unknown): z.infer<typeof problem> | undefined {
  const checked = problem.safeParse(body);
  return checked.success ? checked.data : undefined;
}

const contentTypeOf = (response: Response) => response.headers.get('content-type')?.split(';')[0] || 'no content type';

/** A query string from the defined values, e.g. `?status=FAILED&limit=10`; empty when none is. */
export function queryString(parameters: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
