/**
 * Whether an fdatasync of the database's WAL has failed, shared by every connection of the process to
 * the file (the delivery thread's included: `buffer` crosses to it). After a failed fsync the kernel
 * may have dropped the dirty pages it could not write, so a later fsync that succeeds proves nothing
 * about them; and since the WAL's frames are checksummed in a chain, recovery stops at the first lost
 * frame and drops every frame after it, whichever connection wrote them. So once any connection has
 * seen a failure, none may acknowledge a write again: only a restart, recovering from what the WAL
 * holds on disk, knows what is stored.
 */
export class DurabilityLoss {
  readonly buffer: SharedArrayBuffer;
  readonly #flag: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) {
    this.buffer = buffer;
    this.#flag = new Int32Array(buffer);
  }

  get lost(): boolean {
    return Atomics.load(this.#flag, 0) === 1;
  }

  declare(): void {
    Atomics.store(this.#flag, 0, 1);
  }
}
