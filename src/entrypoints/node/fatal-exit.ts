import type { RequestListener, Server } from 'node:http';

/** EX_IOERR (sysexits.h): an fdatasync of the database failed. */
export const EXIT_DURABILITY_LOST = 74;
/** EX_SOFTWARE (sysexits.h): the delivery thread failed. */
export const EXIT_THREAD_FAILED = 70;

export const DURABILITY_LOST_MESSAGE =
  'an fdatasync of the SQLite database failed: what was written since the last one that succeeded may not be on disk; ' +
  'refusing every write and exiting so that a restart recovers from what the WAL holds';

/** How long the requests in flight may take to be answered before the process exits anyway. */
const ANSWER_GRACE_MS = 5_000;

/**
 * The process's end after a fault it must not run on from (its database's durability lost, its
 * delivery thread gone). The server stops taking connections and the requests in flight are answered
 * first — a write among them is refused, 503, rather than cut off — then the process exits with the
 * fault's code: at once when nothing is in flight, at most ANSWER_GRACE_MS later otherwise (a client
 * that never reads its answer holds nothing up).
 */
export class FatalExit {
  readonly #exit: (code: number) => void;
  #inFlight = 0;
  #server: Server | undefined;
  #code: number | undefined;
  #grace: NodeJS.Timeout | undefined;
  #exited = false;

  constructor(exit: (code: number) => void) {
    this.#exit = exit;
  }

  /** `listener`, counting the requests it has not answered yet. */
  counting(listener: RequestListener): RequestListener {
    return (incoming, outgoing) => {
      this.#inFlight++;
      outgoing.once('close', () => {
        this.#inFlight--;
        this.#exitOnceAnswered();
      });
      // Past the fault, an answer closes its connection: the client does not come back to a process that is ending.
      if (this.#code !== undefined) outgoing.shouldKeepAlive = false;
      listener(incoming, outgoing);
    };
  }

  /** The server that stops taking connections at the fault. */
  serving(server: Server): void {
    this.#server = server;
    if (this.#code !== undefined) this.#stopServing();
  }

  /** Ends the process with `code` (the first fault's) once the requests in flight are answered. */
  now(code: number): void {
    if (this.#code !== undefined) return;
    this.#code = code;
    this.#stopServing();
    this.#grace = setTimeout(() => this.#end(), ANSWER_GRACE_MS);
    this.#exitOnceAnswered();
  }

  #stopServing(): void {
    this.#server?.close();
    this.#server?.closeIdleConnections();
  }

  #exitOnceAnswered(): void {
    if (this.#code !== undefined && this.#inFlight === 0) this.#end();
  }

  #end(): void {
    if (this.#exited || this.#code === undefined) return;
    this.#exited = true;
    clearTimeout(this.#grace);
    this.#exit(this.#code);
  }
}
