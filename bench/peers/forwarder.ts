/**
 * The memory-only forwarder: one process that takes Herald's API, answers 202 at once and forwards
 * each notification with undici, 64 in flight (Herald's HERALD_DELIVERY_CONCURRENCY). It stores
 * nothing and retries nothing: a crash loses every notification not yet delivered, and a failed
 * delivery is dropped. Bundled and run by bench/peers/peers.ts.
 */
import { randomUUID } from 'node:crypto';
import { deliver } from './deliver.js';
import { type PeerNotification, serveIngest } from './ingest-server.js';

const DELIVERY_CONCURRENCY = 64;

interface Pending {
  id: string;
  notification: PeerNotification;
}

// A FIFO read from `head`: Array#shift copies a large array on every call, and the backlog can
// reach the whole run (tens of thousands) when ingest outpaces delivery. The part already read is
// cut off once it is half the array, so delivered notifications are not kept alive.
let waiting: Pending[] = [];
let head = 0;
let inFlight = 0;

function nextWaiting(): Pending | undefined {
  const next = waiting[head];
  if (next === undefined) return undefined;
  head++;
  if (head * 2 >= waiting.length) {
    waiting = waiting.slice(head);
    head = 0;
  }
  return next;
}

function startDeliveries(): void {
  while (inFlight < DELIVERY_CONCURRENCY) {
    const next = nextWaiting();
    if (next === undefined) return;
    inFlight++;
    deliver(next.id, next.notification)
      .catch(() => {
        // No retries: a failed delivery is lost, which is what this peer stands for.
      })
      .finally(() => {
        inFlight--;
        startDeliveries();
      });
  }
}

serveIngest((notification) => {
  const id = randomUUID();
  waiting.push({ id, notification });
  startDeliveries();
  return id;
});

process.on('SIGTERM', () => process.exit(0));
