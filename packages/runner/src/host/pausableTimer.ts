/**
 * A deadline that can be held: while any hold is open the time does not run (a run waiting for a
 * person's approval is not charged for the wait). Fires `onFire` once, when the unheld time adds up
 * to `ms`.
 */
export class PausableTimer {
  #remaining: number;
  #startedAt = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #holds = 0;
  #done = false;
  readonly #onFire: () => void;

  constructor(ms: number, onFire: () => void) {
    this.#remaining = ms;
    this.#onFire = onFire;
    this.#arm();
  }

  #arm(): void {
    this.#startedAt = performance.now();
    this.#timer = setTimeout(() => {
      this.#done = true;
      this.#onFire();
    }, Math.max(0, this.#remaining));
  }

  /** Stops the clock until the returned function is called (holds nest; each release counts once). */
  hold(): () => void {
    if (this.#done) return () => {};
    if (this.#holds++ === 0) {
      clearTimeout(this.#timer);
      this.#remaining -= performance.now() - this.#startedAt;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#holds === 0 && !this.#done) this.#arm();
    };
  }

  /** Stops it for good. */
  clear(): void {
    this.#done = true;
    clearTimeout(this.#timer);
  }
}
