// A circuit breaker per store (so per driver instance): after `failureThreshold` consecutive
// UnavailableErrors it opens, and every call fails at once with an UnavailableError instead of
// waiting for a dead backend. After `coolDownMs` one probe (the driver's ping()) runs; when it
// succeeds the circuit closes and calls flow again, when it fails the circuit stays open for
// another cool-down. Only availability errors count: a ValidationError, ConflictError or any
// other error is an answer from a live backend and resets the count.

import { UnavailableError, ValidationError } from "./errors.ts";
import type { CircuitBreakerOptions, CircuitState } from "./types.ts";

export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_COOL_DOWN_MS = 1_000;
export const DEFAULT_PROBE_TIMEOUT_MS = 2_000;

function positive(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError("INVALID_OPTION", `circuitBreaker.${what} must be a positive number`);
  }
  return value;
}

/** What a call meets while the circuit is open: an UnavailableError (retryable) saying when it probes. */
export class CircuitOpenError extends UnavailableError {
  /** When the next probe may run. */
  readonly retryAt: Date;
  constructor(message: string, retryAt: Date, options?: { cause?: unknown }) {
    super(message, options);
    this.retryAt = retryAt;
  }
}

export class CircuitBreaker {
  readonly #driver: string;
  readonly #threshold: number;
  readonly #coolDownMs: number;
  readonly #probeTimeoutMs: number;
  readonly #probe: () => Promise<unknown>;
  #failures = 0;
  /** When the last counted failure happened (performance.now()). */
  #failedAt = Number.NEGATIVE_INFINITY;
  #state: CircuitState = "closed";
  #openedUntil = 0;
  #lastError: unknown;
  #probing: Promise<void> | undefined;

  constructor(driver: string, probe: () => Promise<unknown>, options: CircuitBreakerOptions = {}) {
    this.#driver = driver;
    this.#probe = probe;
    this.#threshold = Math.ceil(
      positive(options.failureThreshold, "failureThreshold", DEFAULT_FAILURE_THRESHOLD),
    );
    this.#coolDownMs = positive(options.coolDownMs, "coolDownMs", DEFAULT_COOL_DOWN_MS);
    this.#probeTimeoutMs = positive(
      options.probeTimeoutMs,
      "probeTimeoutMs",
      DEFAULT_PROBE_TIMEOUT_MS,
    );
  }

  get state(): CircuitState {
    return this.#state;
  }

  /**
   * Runs `fn` unless the circuit is open. Outcomes are reported by the caller (`succeeded()`,
   * `record()`), where it already awaits the call: no extra promise on the hot path.
   */
  call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#state === "closed") return fn();
    return this.#admit().then(fn);
  }

  /** A call answered: the consecutive count starts again. */
  succeeded(): void {
    this.#failures = 0;
  }

  /**
   * Counts an availability error; anything else proves the backend answered. Calls that were
   * already running when the last counted failure happened count with it: a burst of concurrent
   * calls failing together (a pool of terminated connections) is one failure, not many.
   */
  record(error: unknown, started: number): void {
    if (error instanceof CircuitOpenError) return;
    if (!(error instanceof UnavailableError)) {
      this.#failures = 0;
      return;
    }
    this.#lastError = error;
    if (started < this.#failedAt) return;
    this.#failedAt = performance.now();
    this.#failures++;
    if (this.#state === "closed" && this.#failures >= this.#threshold) this.#open();
  }

  #open(): void {
    this.#state = "open";
    this.#openedUntil = Date.now() + this.#coolDownMs;
  }

  /** While open: fail fast, or (cool-down over) wait for the one probe and follow its verdict. */
  async #admit(): Promise<void> {
    if (this.#state === "open" && Date.now() < this.#openedUntil) throw this.#rejection();
    this.#probing ??= this.#runProbe();
    await this.#probing;
    if (this.#state !== "closed") throw this.#rejection();
  }

  async #runProbe(): Promise<void> {
    this.#state = "half-open";
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new UnavailableError(
                `the ${this.#driver} driver's ping() did not answer within ${this.#probeTimeoutMs} ms`,
              ),
            ),
          this.#probeTimeoutMs,
        );
      });
      await Promise.race([this.#probe(), timeout]);
      this.#state = "closed";
      this.#failures = 0;
    } catch (error) {
      this.#lastError = error;
      this.#open();
    } finally {
      clearTimeout(timer);
      this.#probing = undefined;
    }
  }

  #rejection(): CircuitOpenError {
    const inMs = Math.max(0, this.#openedUntil - Date.now());
    const last = this.#lastError instanceof Error ? `; last error: ${this.#lastError.message}` : "";
    return new CircuitOpenError(
      `the circuit of the ${this.#driver} driver is open after ${this.#failures} consecutive availability failures: ` +
        `calls fail fast until a probe in ${inMs} ms (at ${new Date(this.#openedUntil).toISOString()})${last}`,
      new Date(this.#openedUntil),
      { cause: this.#lastError },
    );
  }
}
