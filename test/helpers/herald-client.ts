import { request } from 'undici';
import { waitFor } from './wait-for.js';

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected field by field in tests
  body: any;
}

const UNSAFE_METHODS = new Set(['POST', 'PATCH', 'DELETE']);

/** A tiny client for Herald's HTTP API, speaking only what docs/api/openapi.json defines. */
export class HeraldClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  async call(
    method: string,
    path: string,
    options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let body = options.body;
    if (options.json !== undefined) body = JSON.stringify(options.json);
    // Herald takes no POST, PATCH or DELETE without it, bodiless ones included (a browser's form could send those).
    const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (!hasContentType && (options.json !== undefined || UNSAFE_METHODS.has(method))) {
      headers['content-type'] = 'application/json';
    }
    const res = await request(`${this.baseUrl}${path}`, { method: method as 'GET', headers, body });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode, headers: res.headers, body: parsed };
  }

  send(notification: unknown, headers?: Record<string, string>) {
    return this.call('POST', '/v1/notifications', { json: notification, headers });
  }

  get(id: string) {
    return this.call('GET', `/v1/notifications/${id}`);
  }

  /** Waits until the notification reaches one of `statuses` and returns it. */
  async waitForStatus(id: string, statuses: string[], timeoutMs = 15_000) {
    return waitFor(
      async () => {
        const res = await this.get(id);
        return statuses.includes(res.body?.status) ? res.body : undefined;
      },
      { timeoutMs, what: `${id} to reach ${statuses.join('/')}` },
    );
  }
}
