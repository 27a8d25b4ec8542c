// The driver as core calls it: every KV and graph call, and ping(), goes through the circuit
// breaker and the observer (spans, duration histogram, diagnostics_channel). Works on any driver,
// third-party ones included, because it only wraps the SPI's methods.

import { CircuitBreaker } from "./breaker.ts";
import { observer } from "./observe.ts";
import type { Driver, DriverHealth, GraphDriver, KvDriver } from "./spi.ts";
import type { CircuitBreakerOptions, CircuitState } from "./types.ts";

export interface Guarded {
  /** The wrapped driver: same SPI, calls guarded and observed. */
  readonly driver: Driver;
  /** The breaker's state ("closed" when it is off). */
  circuit(): CircuitState;
}

/** Wraps each method of `part` once, so calls do not pay for a lookup. */
function wrapMethods<T extends object>(part: T, call: (operation: string, args: unknown[], fn: () => Promise<unknown>) => Promise<unknown>): T {
  const wrapped: Record<string, unknown> = {};
  const names = new Set<string>();
  for (let o: object | null = part; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) if (name !== "constructor") names.add(name);
  }
  for (const name of names) {
    const value = (part as Record<string, unknown>)[name];
    if (typeof value !== "function") continue;
    wrapped[name] = (...args: unknown[]) => call(name, args, () => (value as (...a: unknown[]) => Promise<unknown>).apply(part, args));
  }
  return wrapped as T;
}

export function guardDriver(driver: Driver, options: CircuitBreakerOptions | false | undefined): Guarded {
  const observe = observer(driver);
  const breaker = options === false ? undefined : new CircuitBreaker(driver.name, () => driver.ping(), options);
  const call = breaker
    ? (operation: string, args: unknown[], fn: () => Promise<unknown>) => observe(operation, args, () => breaker.call(fn))
    : (operation: string, args: unknown[], fn: () => Promise<unknown>) => observe(operation, args, fn);
  const guarded: Driver = {
    name: driver.name,
    capabilities: driver.capabilities,
    kv: wrapMethods<KvDriver>(driver.kv, call),
    ...(driver.graph ? { graph: wrapMethods<GraphDriver>(driver.graph, call) } : {}),
    ...(driver.telemetry ? { telemetry: driver.telemetry } : {}),
    ping: () => call("ping", [], () => driver.ping()) as Promise<void | DriverHealth>,
    close: () => driver.close(),
  };
  return { driver: guarded, circuit: () => breaker?.state ?? "closed" };
}
