import { Worker } from 'node:worker_threads';
import type { DurabilityLoss } from '../../adapters/sqlite/durability-loss.js';
import type { HeraldConfig } from '../../config.js';
import type { DestinationRecord } from '../../domain/destination.js';
import type { DestinationStore } from '../../ports/destination-store.js';
import type { Logger } from '../../ports/logger.js';
import type { Metrics } from '../../ports/metrics.js';
import type { DeliveryThreadData, FromDeliveryThread, ToDeliveryThread } from './delivery-thread-messages.js';
import { DURABILITY_LOST_MESSAGE, EXIT_DURABILITY_LOST, EXIT_THREAD_FAILED, type FatalExit } from './fatal-exit.js';
import type { WakeSignal } from './wake-signal.js';

/** How long the main thread's wake loop waits before looking again; a notification ends it at once. */
const WAKE_LOOP_WAIT_MS = 60_000;

/**
 * The bundle (dist/herald.mjs) starts dist/delivery-thread.mjs beside it; the sources (tests)
 * start delivery-thread.ts through a loader (delivery-thread-source.mjs).
 */
function threadEntry(): URL {
  const fromSources = import.meta.url.endsWith('.ts');
  return new URL(fromSources ? './delivery-thread-source.mjs' : './delivery-thread.mjs', import.meta.url);
}

/**
 * The single process's deliveries on a thread of their own (delivery-thread.ts), so that they use
 * the second core. The main thread keeps the API, ingest and housekeeping, and tells the thread when
 * work is due (its store's wake signal) and when an operator changed a destination; the thread
 * hands its metrics back. A thread that fails takes the process down with it (`exit`): a restart
 * releases its claims at once, where a replacement thread would wait for their leases to run out.
 * One whose connection lost the file's durability (an fdatasync failed) exits with
 * EXIT_DURABILITY_LOST, and so does the process.
 */
export class DeliveryThread {
  readonly #thread: Worker;
  readonly #active: Int32Array;
  readonly #wake: WakeSignal;
  /** The thread's exit code, once it has exited. */
  readonly #exited: Promise<number>;
  #stopping = false;
  /** Destination changes the thread has not yet confirmed, by ack number. */
  readonly #unconfirmed = new Map<number, () => void>();
  #lastAck = 0;

  private constructor(thread: Worker, active: Int32Array, wake: WakeSignal) {
    this.#thread = thread;
    this.#active = active;
    this.#wake = wake;
    this.#exited = new Promise((resolve) => thread.once('exit', resolve));
    // A thread that has exited confirms nothing more, and decides nothing more either.
    void this.#exited.then(() => {
      for (const confirmed of this.#unconfirmed.values()) confirmed();
      this.#unconfirmed.clear();
    });
  }

  /** Starts the thread on the file `config.dbPath` names; resolves once it is claiming. */
  static async start(
    config: HeraldConfig,
    parts: {
      wake: WakeSignal;
      metrics: Metrics;
      logger: Logger;
      durabilityLoss: DurabilityLoss;
      exit: FatalExit;
    },
  ): Promise<DeliveryThread> {
    const activeDeliveries = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const data: DeliveryThreadData = { config, activeDeliveries, durabilityLoss: parts.durabilityLoss.buffer };
    const thread = new Worker(threadEntry(), { workerData: data });
    const host = new DeliveryThread(thread, new Int32Array(activeDeliveries), parts.wake);
    thread.on('message', (message: FromDeliveryThread) => {
      switch (message.kind) {
        case 'metrics':
          for (const event of message.events) {
            if (event.kind === 'count') parts.metrics.count(event.name, event.value, event.dimensions);
            else parts.metrics.timing(event.name, event.milliseconds);
          }
          break;
        case 'destinationAdopted':
          host.#confirmed(message.ack);
          break;
        case 'ready':
          break; // awaited below
      }
    });
    await new Promise<void>((resolve, reject) => {
      const onExit = (exitCode: number) =>
        reject(new Error(`the delivery thread exited (${exitCode}) before it started`));
      const onMessage = (message: FromDeliveryThread) => {
        if (message.kind !== 'ready') return;
        thread.off('error', reject);
        thread.off('exit', onExit);
        thread.off('message', onMessage);
        resolve();
      };
      thread.on('message', onMessage);
      thread.once('error', reject);
      thread.once('exit', onExit);
    });
    const fail = (fields: { err?: unknown; exitCode?: number }) => {
      if (fields.exitCode === EXIT_DURABILITY_LOST) {
        parts.logger.error({ ...fields, thread: 'delivery' }, DURABILITY_LOST_MESSAGE);
        parts.exit.now(EXIT_DURABILITY_LOST);
        return;
      }
      parts.logger.error(fields, 'the delivery thread failed; exiting so that a restart delivers what it held');
      parts.exit.now(EXIT_THREAD_FAILED);
    };
    thread.on('error', (error) => fail({ err: error }));
    thread.on('exit', (exitCode) => {
      if (!host.#stopping) fail({ exitCode });
    });
    void host.#forwardWakes();
    return host;
  }

  get activeDeliveries(): number {
    return Atomics.load(this.#active, 0);
  }

  /**
   * Wraps the main thread's destination store: a write it makes resolves once the thread has taken
   * the record as stored and finished any round that decided on its old copy, so that a pause is in
   * force for every notification accepted after its answer.
   */
  announcingChanges(store: DestinationStore): DestinationStore {
    return {
      get: (destination) => store.get(destination),
      list: (limit, cursor) => store.list(limit, cursor),
      load: (destination) => store.load(destination),
      put: async (record, expectedVersion) => {
        const stored = await store.put(record, expectedVersion);
        // A first record (a destination's first notification) changes nothing the thread decides on:
        // its copy of an unrecorded destination is the same defaults.
        if (stored && expectedVersion > 0) await this.#destinationChanged(stored);
        return stored;
      },
    };
  }

  #destinationChanged(record: DestinationRecord): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    const ack = ++this.#lastAck;
    const confirmed = new Promise<void>((resolve) => this.#unconfirmed.set(ack, resolve));
    this.#send({ kind: 'destinationChanged', record, ack });
    return confirmed;
  }

  #confirmed(ack: number): void {
    this.#unconfirmed.get(ack)?.();
    this.#unconfirmed.delete(ack);
  }

  /** Stops claiming, waits for the deliveries in flight to be recorded and the thread to close its connection. */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#wake.notify(); // ends the wake loop
      this.#send({ kind: 'stop' });
    }
    const exitCode = await this.#exited;
    if (exitCode !== 0) throw new Error(`the delivery thread stopped with exit code ${exitCode}; see its log`);
  }

  /** One message per wake-up of the loop: many inserts in one turn wake the thread once. */
  async #forwardWakes(): Promise<void> {
    while (!this.#stopping) {
      await this.#wake.wait(WAKE_LOOP_WAIT_MS);
      if (!this.#stopping) this.#send({ kind: 'workDue' });
    }
  }

  #send(message: ToDeliveryThread): void {
    this.#thread.postMessage(message);
  }
}
