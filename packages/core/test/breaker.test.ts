// The circuit breaker in front of every driver: consecutive UnavailableErrors open it, open calls
// fail in milliseconds, one probe after the cool-down closes it, other errors never count.
import { createMemoryDriver } from "@stowage/memory";
import { describe, expect, it } from "vitest";
import {
  CircuitOpenError,
  ConflictError,
  type Driver,
  UnavailableError,
  ValidationError,
  createStore,
} from "../src/index.ts";

/** A memory driver whose backend can be switched off: every call then fails like a dead server. */
function switchable(): {
  driver: Driver;
  down: (v: boolean) => void;
  calls: () => number;
  pings: () => number;
} {
  const inner = createMemoryDriver();
  let down = false;
  let calls = 0;
  let pings = 0;
  const gate = <T>(fn: () => Promise<T>): Promise<T> => {
    calls++;
    return down
      ? Promise.reject(new UnavailableError("backend down", { cause: new Error("ECONNREFUSED") }))
      : fn();
  };
  const kv = new Proxy(inner.kv, {
    get: (target, name) => {
      const value = Reflect.get(target, name);
      return typeof value === "function"
        ? (...args: unknown[]) => gate(() => value.apply(target, args))
        : value;
    },
  });
  const driver: Driver = {
    name: "switchable",
    capabilities: inner.capabilities,
    kv,
    ping: () => {
      pings++;
      return gate(() => inner.ping());
    },
    close: () => inner.close(),
  };
  return { driver, down: (v) => (down = v), calls: () => calls, pings: () => pings };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("circuit breaker", () => {
  it("opens after N consecutive UnavailableErrors, fails fast, probes after the cool-down and closes", async () => {
    const backend = switchable();
    const store = createStore(backend.driver, {
      circuitBreaker: { failureThreshold: 3, coolDownMs: 200 },
    });
    const kv = store.kv<number>("n");
    await kv.set("a", 1);
    expect((await store.ping()).circuit).toBe("closed");

    backend.down(true);
    const pinged = backend.pings();
    for (let i = 0; i < 3; i++) await expect(kv.get("a")).rejects.toBeInstanceOf(UnavailableError);
    const reached = backend.calls();

    // Open: the driver is not called, the error is retryable and says when it probes.
    const started = performance.now();
    const error = await kv.get("a").then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toBeInstanceOf(CircuitOpenError);
    const open = error as CircuitOpenError;
    expect(open.retryable).toBe(true);
    expect(open.message).toMatch(/circuit .* is open/);
    expect(open.message).toMatch(/probe in \d+ ms/);
    expect(open.retryAt.getTime()).toBeGreaterThan(Date.now());
    expect(open.cause).toBeInstanceOf(UnavailableError);
    expect(backend.calls()).toBe(reached);

    // Still down after the cool-down: one probe fails, the circuit stays open.
    await sleep(220);
    await expect(kv.get("a")).rejects.toBeInstanceOf(CircuitOpenError);
    expect(backend.pings()).toBe(pinged + 1);

    // Back up: after the next cool-down one probe closes it and the call goes through.
    backend.down(false);
    await sleep(220);
    const results = await Promise.all([kv.get("a"), kv.get("a"), kv.get("a")]);
    expect(results).toEqual([1, 1, 1]);
    expect(backend.pings()).toBe(pinged + 2); // one probe, however many calls were waiting
    expect((await store.ping()).circuit).toBe("closed");
    await store.close();
  });

  it("never counts a ValidationError or ConflictError", async () => {
    const backend = switchable();
    const store = createStore(backend.driver, {
      circuitBreaker: { failureThreshold: 2, coolDownMs: 60_000 },
    });
    const kv = store.kv<number>("n");
    await kv.set("a", 1);
    for (let i = 0; i < 5; i++) {
      await expect(kv.set("a", 2, { ifVersion: 99 })).rejects.toBeInstanceOf(ConflictError);
      await expect(kv.get("")).rejects.toBeInstanceOf(ValidationError);
    }
    expect(await kv.get("a")).toBe(1);
    // One availability failure between successes does not open it either: the count is consecutive.
    backend.down(true);
    await expect(kv.get("a")).rejects.toBeInstanceOf(UnavailableError);
    backend.down(false);
    await expect(kv.set("a", 2, { ifVersion: 99 })).rejects.toBeInstanceOf(ConflictError);
    backend.down(true);
    await expect(kv.get("a")).rejects.not.toBeInstanceOf(CircuitOpenError);
    backend.down(false);
    expect(await kv.get("a")).toBe(1);
    expect((await store.ping()).circuit).toBe("closed");
    await store.close();
  });

  it("can be turned off, and rejects bad settings", async () => {
    const backend = switchable();
    const store = createStore(backend.driver, { circuitBreaker: false });
    backend.down(true);
    for (let i = 0; i < 10; i++) {
      await expect(store.kv("n").get("a")).rejects.not.toBeInstanceOf(CircuitOpenError);
    }
    expect(backend.calls()).toBe(10);
    await store.close();
    expect(() =>
      createStore(createMemoryDriver(), { circuitBreaker: { failureThreshold: 0 } }),
    ).toThrow(ValidationError);
    expect(() => createStore(createMemoryDriver(), { circuitBreaker: { coolDownMs: -1 } })).toThrow(
      ValidationError,
    );
  });
});
