/**
 * Holds the local event sources: while held, their pollers stop taking work (queues'
 * messages and stream records wait where they are) until released. A harness uses it
 * to measure the request path alone, as on AWS, where the consumers run on their own
 * CPUs rather than on the two cores the whole local stack shares.
 */
export class Hold {
  #released: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  hold(): void {
    if (!this.#release) this.#released = new Promise((resolve) => (this.#release = resolve));
  }

  release(): void {
    this.#release?.();
    this.#release = undefined;
  }

  /** Resolves at once when not held, else when released. */
  passed(): Promise<void> {
    return this.#released;
  }
}
