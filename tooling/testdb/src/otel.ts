// OpenTelemetry SDK in memory for driver tests: spans through InMemorySpanExporter, metrics
// through a reader collected on demand; and one check of the database semantic conventions that
// every driver's test runs against its own store.
import { metrics, SpanKind, trace } from "@opentelemetry/api";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import type { Store } from "@stowage/core";
import { expect } from "vitest";

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface Telemetry {
  spans(): ReadableSpan[];
  /** Data points of `db.client.operation.duration`: attributes and count of each series. */
  durations(): Promise<{ attributes: Record<string, unknown>; count: number; unit: string }[]>;
  reset(): void;
  shutdown(): Promise<void>;
}

/** Registers an in-memory tracer and meter provider globally (call before creating stores). */
export function installTelemetry(): Telemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans: () => exporter.getFinishedSpans(),
    async durations() {
      const { resourceMetrics } = (await reader.collect()) as { resourceMetrics: ResourceMetrics };
      const out: { attributes: Record<string, unknown>; count: number; unit: string }[] = [];
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== "db.client.operation.duration") continue;
          for (const point of metric.dataPoints) {
            out.push({
              attributes: { ...point.attributes },
              count: (point.value as { count: number }).count,
              unit: metric.descriptor.unit,
            });
          }
        }
      }
      return out;
    },
    reset: () => exporter.reset(),
    async shutdown() {
      trace.disable();
      metrics.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

export interface Expected {
  /** `db.system.name`. */
  readonly system: string;
  /** `db.namespace`, when the driver knows it. */
  readonly namespace?: string;
  /** `server.address` / `server.port`, when the driver talks to a server. */
  readonly server?: { address: string; port: number };
  /** Strings that must appear in no attribute (passwords). */
  readonly secrets?: readonly string[];
}

/**
 * Runs a few KV and graph calls on `store` and checks their spans and durations: one CLIENT span
 * per driver call named `{operation} {collection}`, the semantic-convention attributes, a batch
 * as one operation with its size, and the histogram in seconds with the same attributes.
 */
export async function checkTelemetry(
  telemetry: Telemetry,
  store: Store,
  ns: string,
  expected: Expected,
): Promise<void> {
  telemetry.reset();
  const kv = store.kv<number>(ns);
  await kv.setMany([
    { key: "a", value: 1 },
    { key: "b", value: 2 },
    { key: "c", value: 3 },
  ]);
  expect(await kv.get("a")).toBe(1);
  await store.graph(ns).upsertEdges([{ from: "x", type: "t", to: "y" }]);
  const spans = telemetry.spans().filter((s) => s.attributes["db.collection.name"] === ns);
  const byName = new Map(spans.map((s) => [s.name, s]));
  const set = byName.get(`setMany ${ns}`);
  const get = byName.get(`getMany ${ns}`);
  const edges = byName.get(`upsertEdges ${ns}`);
  expect([...byName.keys()]).toEqual(
    expect.arrayContaining([`setMany ${ns}`, `getMany ${ns}`, `upsertEdges ${ns}`]),
  );
  expect(spans.filter((s) => s.name === `setMany ${ns}`)).toHaveLength(1); // a batch is one operation
  for (const span of [set, get, edges]) {
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.attributes["db.system.name"]).toBe(expected.system);
    if (expected.namespace !== undefined)
      expect(span?.attributes["db.namespace"]).toBe(expected.namespace);
    if (expected.server) {
      expect(span?.attributes["server.address"]).toBe(expected.server.address);
      expect(span?.attributes["server.port"]).toBe(expected.server.port);
    }
    expect(span?.attributes["error.type"]).toBeUndefined();
    for (const secret of expected.secrets ?? [])
      expect(JSON.stringify(span?.attributes)).not.toContain(secret);
  }
  expect(set?.attributes["db.operation.name"]).toBe("setMany");
  expect(set?.attributes["db.operation.batch.size"]).toBe(3);
  expect(get?.attributes["db.operation.batch.size"]).toBeUndefined();
  const points = (await telemetry.durations()).filter(
    (p) => p.attributes["db.collection.name"] === ns,
  );
  const setPoint = points.find((p) => p.attributes["db.operation.name"] === "setMany");
  expect(setPoint?.unit).toBe("s");
  expect(setPoint?.count).toBe(1);
  expect(setPoint?.attributes["db.system.name"]).toBe(expected.system);
  expect(points.map((p) => p.attributes["db.operation.name"])).toEqual(
    expect.arrayContaining(["setMany", "getMany", "upsertEdges"]),
  );
}
