import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startAwsLocalService } from '../helpers/aws-local-service.js';
import { type StartService, startSingleProcess } from '../helpers/services.js';
import { waitFor } from '../helpers/wait-for.js';

const API_KEY = 'stop-test-key';

/**
 * A client that keeps its connection busy (an open console tab polls every few seconds) must not
 * keep Herald from stopping: node's server.close() ends only the connections idle at that moment,
 * and one answering a request then, asked again before its keep-alive timeout, would stay open for
 * as long as the client keeps asking.
 */
describe.each([
  ['the single process', startSingleProcess],
  ['start:aws-local', startAwsLocalService],
] as [string, StartService][])('stopping %s', (_mode, startService) => {
  it('ends within moments while a keep-alive client keeps asking, a request of its in flight at the stop', async () => {
    const service = await startService({ HERALD_API_KEYS: API_KEY });
    const { hostname, port } = new URL(service.baseUrl);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let answered = 0;
    let closed = false;
    let finishBody: (() => void) | undefined;

    // Asks again the moment each answer arrives, on the one kept-alive connection: never idle.
    const ask = (body?: string) => {
      const req = request({
        host: hostname,
        port,
        agent,
        method: body ? 'POST' : 'GET',
        path: body ? '/v1/destinations/x/pause' : '/v1/stats',
        headers: {
          authorization: `Bearer ${API_KEY}`,
          // The server's 100 Continue tells that it has the request: it is in flight from then on.
          ...(body
            ? { 'content-type': 'application/json', 'content-length': body.length, expect: '100-continue' }
            : {}),
        },
      });
      req.on('response', (res) => {
        res.resume();
        res.once('end', () => {
          answered++;
          if (!closed) ask();
        });
      });
      req.on('error', () => {
        closed = true;
      });
      if (body) {
        req.flushHeaders();
        req.once('continue', () => {
          finishBody = () => req.end(body);
        });
      } else req.end();
    };

    ask('{}');
    await waitFor(() => (finishBody ? true : undefined), { what: 'the server to take the first request' });
    const stopped = service.stop().then(() => 'stopped' as const);
    finishBody?.();
    await waitFor(() => (answered >= 1 ? true : undefined), { what: 'the request in flight to be answered' });

    const outcome = await Promise.race([
      stopped,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000).unref()),
    ]);
    closed = true;
    agent.destroy();
    await stopped;
    expect(outcome).toBe('stopped');
  });
});
