import type { IncomingMessage, RequestListener } from 'node:http';
import { PROBLEM_CONTENT_TYPE, problemFor } from '../api/problem.js';
import { discardBody } from './unread-body.js';

/**
 * Answers only requests whose `Host` names this server: the address it is bound to (HERALD_HOST, or
 * the address the connection arrived on) or `localhost`, with no port or the port it listens on;
 * anything else is `421 MISDIRECTED_REQUEST`. For a server without API keys, which is bound to
 * loopback: a web page whose own name an attacker points at 127.0.0.1 (DNS rebinding) makes the
 * browser send that name as Host, so such a page reads nothing, not even /healthz or the console.
 */
export function answeringOnlyForBoundHost(listener: RequestListener, boundHost: string): RequestListener {
  const bound = bareHostName(boundHost);
  return (incoming, outgoing) => {
    if (namesThisServer(incoming, bound)) {
      listener(incoming, outgoing);
      return;
    }
    const problem = problemFor(
      'MISDIRECTED_REQUEST',
      'Send requests to the address this server is bound to, or to localhost (the Host header)',
    );
    // The body is not wanted; it is read and dropped so that the client gets the answer (unread-body.ts).
    discardBody(incoming, outgoing);
    const body = JSON.stringify(problem);
    outgoing.writeHead(problem.status, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    });
    outgoing.end(body);
  };
}

function namesThisServer(incoming: IncomingMessage, bound: string): boolean {
  const match = incoming.headers.host?.toLowerCase().match(/^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/);
  if (!match) return false;
  const [, name = '', port] = match;
  const { localAddress, localPort } = incoming.socket;
  if (port !== undefined && Number(port) !== localPort) return false;
  const host = bareHostName(name);
  return host === 'localhost' || host === bound || (localAddress !== undefined && host === localAddress);
}

/** `[::1]` as `::1`, lower case: a Host header's form of an IPv6 address, as node reports addresses. */
function bareHostName(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}
