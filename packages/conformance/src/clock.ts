// The clock every kit store runs on. Drivers decide expiry with the `now` core passes, but may
// expire physically by the real clock, so this clock is never behind the real one: it is
// `Date.now() + offset` (offset only grows within a case), or frozen at a time in the future.

export class TestClock {
  #offset = 0;
  #frozen: number | undefined;

  /** The clock function handed to `createStore({ now })`. */
  readonly now = (): number => {
    if (this.#frozen !== undefined) {
      // A frozen clock must stay ahead of real time; if a case outlives it, follow real time.
      return Math.max(this.#frozen, Date.now());
    }
    return Date.now() + this.#offset;
  };

  /** Moves the clock forward. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`the kit clock only moves forward (advance(${ms}))`);
    if (this.#frozen !== undefined) this.#frozen += ms;
    else this.#offset += ms;
  }

  /**
   * Stops the clock at `at` (default: one day ahead of now), which must not be behind the current
   * kit clock (so never behind the real one). Cases that must know `now` exactly (expiry boundaries, the model test) freeze it.
   */
  freeze(at: number = this.now() + 86_400_000): number {
    if (at < this.now()) throw new Error("the kit clock only moves forward and never behind the real clock");
    this.#frozen = at;
    return at;
  }

  /** Back to the real clock (between cases). */
  reset(): void {
    this.#offset = 0;
    this.#frozen = undefined;
  }
}
