// Spans, the duration histogram and diagnostics_channel events of every driver call, checked with
// the OpenTelemetry SDK's in-memory exporter on the memory driver and a failing driver.
import { tracingChannel } from "node:diagnostics_channel";
import { SpanStatusCode } from "@opentelemetry/api";
import { createMemoryDriver } from "@stowage/memory";
import { afterAll, describe, expect, it } from "vitest";
// The shared helper of the driver tests (tooling/testdb); imported by path: core cannot depend on it.
import { checkTelemetry, installTelemetry } from "../../../tooling/testdb/src/otel.ts";
import {
  type Driver,
  OPERATION_CHANNEL,
  type OperationContext,
  UnavailableError,
  createStore,
} from "../src/index.ts";

const telemetry = installTelemetry();
afterAll(() => telemetry.shutdown());

function failing(): Driver {
  const inner = createMemoryDriver();
  const down = () => Promise.reject(new UnavailableError("backend down"));
  return {
    ...inner,
    name: "flaky",
    kv: { ...inner.kv, getMany: down, setMany: down },
    ping: down,
  };
}

describe("observability", () => {
  it("memory: spans and db.client.operation.duration follow the database semantic conventions", async () => {
    const store = createStore(createMemoryDriver());
    await checkTelemetry(telemetry, store, "obs_memory", { system: "memory" });
    await store.close();
  });

  it("a failed call: error.type on the span and the histogram; an open circuit too", async () => {
    const store = createStore(failing(), {
      circuitBreaker: { failureThreshold: 1, coolDownMs: 60_000 },
    });
    telemetry.reset();
    await expect(store.kv("obs_fail").get("k")).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.kv("obs_fail").get("k")).rejects.toBeInstanceOf(UnavailableError);
    const [first, second] = telemetry
      .spans()
      .filter((s) => s.attributes["db.collection.name"] === "obs_fail");
    expect(first?.name).toBe("getMany obs_fail");
    expect(first?.attributes["error.type"]).toBe("UnavailableError");
    expect(first?.attributes["db.system.name"]).toBe("flaky");
    expect(first?.status.code).toBe(SpanStatusCode.ERROR);
    expect(second?.attributes["error.type"]).toBe("CircuitOpenError");
    const points = (await telemetry.durations()).filter(
      (p) => p.attributes["db.collection.name"] === "obs_fail",
    );
    expect(points.map((p) => p.attributes["error.type"]).sort()).toEqual([
      "CircuitOpenError",
      "UnavailableError",
    ]);
    await store.close();
  });

  it("publishes the same calls on diagnostics_channel tracingChannel('stowage:operation')", async () => {
    const channel = tracingChannel<unknown, OperationContext>(OPERATION_CHANNEL);
    const events: string[] = [];
    const handlers = {
      start: (c: OperationContext) =>
        events.push(`start ${c.operation} ${c.collection} ${c.system} ${c.batchSize ?? "-"}`),
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (c: OperationContext) => events.push(`end ${c.operation}`),
      error: (c: OperationContext) =>
        events.push(`error ${c.operation} ${(c.error as Error).name}`),
    };
    channel.subscribe(handlers);
    try {
      const store = createStore(createMemoryDriver());
      await store.kv("obs_dc").setMany([
        { key: "a", value: 1 },
        { key: "b", value: 2 },
      ]);
      await store.close();
      const bad = createStore(failing());
      await expect(bad.kv("obs_dc").get("k")).rejects.toBeInstanceOf(UnavailableError);
      await bad.close();
    } finally {
      channel.unsubscribe(handlers);
    }
    expect(events).toEqual([
      "start setMany obs_dc memory 2",
      "end setMany",
      "start getMany obs_dc flaky 1",
      "error getMany UnavailableError",
      "end getMany",
    ]);
  });
});
