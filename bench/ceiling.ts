import autocannon from 'autocannon';
import type { Sink } from './processes.js';
import { progress } from './progress.js';

export interface CeilingResult {
  connections: number;
  durationSeconds: number;
  bodyBytes: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
}

/** A 1 KB JSON body, the size of the notifications measured against it. */
export function kilobytePayload(bytes = 1024): string {
  const frame = JSON.stringify({ event: 'order.shipped', data: '' });
  return JSON.stringify({ event: 'order.shipped', data: 'x'.repeat(Math.max(0, bytes - frame.length)) });
}

/**
 * The most requests per second this machine pushes through HTTP at all: autocannon (in this process)
 * POSTing 1 KB straight to the sink (its own process). Every delivery rate is compared with this.
 */
export async function measureCeiling(
  sink: Sink,
  options: { connections: number; durationSeconds: number },
): Promise<CeilingResult> {
  const body = kilobytePayload();
  const instance = autocannon({
    url: `${sink.url}/ok`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: options.connections,
    duration: options.durationSeconds,
  });
  let done = 0;
  instance.on('response', () => {
    done++;
  });
  const ticker = setInterval(() => progress(`${done.toLocaleString('en-US')} requests`), 1000);
  const result = await instance;
  clearInterval(ticker);
  await sink.reset();
  return {
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    bodyBytes: Buffer.byteLength(body),
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
