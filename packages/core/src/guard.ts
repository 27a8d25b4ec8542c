// The driver as core calls it: every KV, graph and vector call, and ping(), goes through the circuit
// breaker and the observer (spans, duration histogram, diagnostics_channel). Works on any driver,
// third-party ones included, because it only wraps the SPI's methods.

import { CircuitBreaker } from "./breaker.ts";
import { observer, quiet } from "./observe.ts";
import type { Driver, GraphDriver, KvDriver, VectorDriver } from "./spi.ts";
import type { CircuitBreakerOptions, CircuitState } from "./types.ts";

export interface Guarded {
  /** The wrapped driver: same SPI, calls admitted by the breaker and observed. */
  readonly driver: Driver;
  /** The breaker's state ("closed" when it is off). */
  circuit(): CircuitState;
  /** Reports a call's outcome to the breaker (store.ts calls these where it awaits the call). */
  succeeded(): void;
  failed(error: unknown, started: number): void;
}

type Call = (operation: string, args: unknown[], fn: () => Promise<unknown>) => Promise<unknown>;
type Method = (a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown) => Promise<unknown>;

/**
 * Wraps each method of `part` once. SPI methods take at most five arguments: fixed parameters
 * avoid an array per call, and `fast()` (circuit closed, nothing observing) skips the rest.
 */
function wrapMethods<T extends object>(part: T, fast: () => boolean, call: Call): T {
  const wrapped: Record<string, unknown> = {};
  const names = new Set<string>();
  for (let o: object | null = part; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) if (name !== "constructor") names.add(name);
  }
  for (const name of names) {
    const value = (part as Record<string, unknown>)[name];
    if (typeof value !== "function") continue;
    const method = value as Method;
    wrapped[name] = (a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown) =>
      fast()
        ? method.call(part, a, b, c, d, e)
        : call(name, [a, b, c, d, e], () => method.call(part, a, b, c, d, e));
  }
  return wrapped as T;
}

export function guardDriver(
  driver: Driver,
  options: CircuitBreakerOptions | false | undefined,
): Guarded {
  const observe = observer(driver);
  const breaker =
    options === false ? undefined : new CircuitBreaker(driver.name, () => driver.ping(), options);
  const call: Call = breaker
    ? (operation, args, fn) => observe(operation, args, () => breaker.call(fn))
    : (operation, args, fn) => observe(operation, args, fn);
  const fast = breaker ? () => breaker.state === "closed" && quiet() : quiet;
  const guarded: Driver = {
    name: driver.name,
    capabilities: driver.capabilities,
    kv: wrapMethods<KvDriver>(driver.kv, fast, call),
    ...(driver.graph ? { graph: wrapMethods<GraphDriver>(driver.graph, fast, call) } : {}),
    ...(driver.vectors ? { vectors: wrapMethods<VectorDriver>(driver.vectors, fast, call) } : {}),
    ...(driver.telemetry ? { telemetry: driver.telemetry } : {}),
    ping: () => call("ping", [], () => driver.ping()) as ReturnType<Driver["ping"]>,
    close: () => driver.close(),
  };
  return {
    driver: guarded,
    circuit: () => breaker?.state ?? "closed",
    succeeded: breaker ? () => breaker.succeeded() : () => {},
    failed: breaker ? (error, started) => breaker.record(error, started) : () => {},
  };
}
