import type { HttpExchange } from '../domain/outcome.js';

export interface OutgoingRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
}

/**
 * Sends one HTTP request and reports what happened. Never throws for anything the network or the
 * vendor did: refused connections, timeouts and blocked targets are `failure` exchanges.
 */
export interface HttpSender {
  send(request: OutgoingRequest): Promise<HttpExchange>;
}
