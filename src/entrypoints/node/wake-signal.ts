/**
 * A level-triggered wake-up for one waiting loop: `notify` before `wait` makes the next `wait` return
 * at once, so a notification between two waits is never missed, and many notifications between two
 * waits wake the loop once.
 */
export class WakeSignal {
  #pending = false;
  #wake: (() => void) | undefined;

  notify(): void {
    this.#pending = true;
    this.#wake?.();
  }

  /** Resolves on the next notification, or after `ms`. */
  async wait(ms: number): Promise<void> {
    if (!this.#pending) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, ms));
        const self = this;
        function done() {
          clearTimeout(timer);
          self.#wake = undefined;
          resolve();
        }
        this.#wake = done;
      });
    }
    this.#pending = false;
  }
}
