// Observability of every driver call: an OpenTelemetry span and the stable
// `db.client.operation.duration` histogram (database semantic conventions), through
// `@opentelemetry/api` when the application has installed it (an optional peer dependency,
// loaded on first use; absent, nothing is loaded and nothing is recorded), and the same events on
// `node:diagnostics_channel` (`tracingChannel("stowage:operation")`), which costs nothing
// without subscribers.

import { tracingChannel } from "node:diagnostics_channel";
import { createRequire } from "node:module";
import type { Driver } from "./spi.ts";

type OtelApi = typeof import("@opentelemetry/api");
type Histogram = import("@opentelemetry/api").Histogram;
type Tracer = import("@opentelemetry/api").Tracer;

/** What a diagnostics_channel subscriber (and an OTel span) learns about one driver call. */
export interface OperationContext {
  /** `db.system.name`: postgresql, redis, sqlite, or the driver's name. */
  readonly system: string;
  /** The driver's name (memory, libsql, postgres, redis, …). */
  readonly driver: string;
  /** `db.operation.name`: the driver method, e.g. getMany, setMany, upsertEdges, neighbors. */
  readonly operation: string;
  /** `db.collection.name`: the namespace or graph, when the call names one. */
  readonly collection?: string;
  /** Items in a batch call (`db.operation.batch.size`). */
  readonly batchSize?: number;
  /** Set by the channel on failure (tracingChannel's `error` event). */
  error?: unknown;
}

/** The diagnostics channel every driver call is traced on (start, end, asyncStart, asyncEnd, error). */
export const OPERATION_CHANNEL = "stowage:operation";
const channel = tracingChannel<unknown, OperationContext>(OPERATION_CHANNEL);

const SCOPE = "@stowage/core";
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
const SYSTEMS: Record<string, string> = {
  postgres: "postgresql",
  libsql: "sqlite",
  redis: "redis",
};

interface Instruments {
  readonly tracerProvider: unknown;
  readonly meterProvider: unknown;
  readonly tracer: Tracer;
  readonly duration: Histogram;
  /** Neither a tracer nor a meter provider is registered: record nothing, at no cost. */
  readonly noop: boolean;
}
let api: OtelApi | null | undefined;
let instruments: Instruments | undefined;
/** When the registered providers were last looked up (performance.now()). */
let checkedAt = Number.NEGATIVE_INFINITY;
/** How long a lookup of the registered providers is trusted: an SDK registered later is seen within it. */
const RECHECK_MS = 1_000;

/** `@opentelemetry/api` if the application installed it; looked up once. */
function loadOtel(): OtelApi | null {
  if (api !== undefined) return api;
  try {
    // Not `require`: bundlers turn it into a shim that throws in ESM. `__filename` in the CJS
    // build, `import.meta.url` in the ESM one; either way resolved from core's own location.
    const base = typeof __filename === "string" ? __filename : import.meta.url;
    const load = createRequire(base);
    api = load("@opentelemetry/api") as OtelApi;
  } catch {
    api = null;
  }
  return api;
}

/** The tracer and histogram of the providers registered now (an SDK may be registered or replaced later). */
function current(o: OtelApi): Instruments {
  const now = performance.now();
  if (instruments !== undefined && now - checkedAt < RECHECK_MS) return instruments;
  checkedAt = now;
  const tracerProvider = o.trace.getTracerProvider();
  const meterProvider = o.metrics.getMeterProvider();
  if (
    instruments?.tracerProvider !== tracerProvider ||
    instruments.meterProvider !== meterProvider
  ) {
    const duration = meterProvider.getMeter(SCOPE).createHistogram("db.client.operation.duration", {
      description: "Duration of database client operations.",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    // The API's own no-op classes, recognised by constructor: nothing registered on either side.
    const noopHistogram = o.createNoopMeter().createHistogram("noop").constructor;
    const delegate = (tracerProvider as { getDelegate?: () => object }).getDelegate?.();
    const noopTracer =
      delegate !== undefined &&
      delegate.constructor === new o.ProxyTracerProvider().getDelegate().constructor;
    instruments = {
      tracerProvider,
      meterProvider,
      tracer: tracerProvider.getTracer(SCOPE),
      duration,
      noop: noopTracer && duration.constructor === noopHistogram,
    };
  }
  return instruments;
}

/** Errors by their class name (ValidationError, UnavailableError, …) as `error.type`. */
function errorType(error: unknown): string {
  if (error instanceof Error) return error.name || "Error";
  return "_OTHER";
}

/** True when nothing would be recorded: no diagnostics_channel subscriber and no OTel SDK. */
export function quiet(): boolean {
  if (channel.hasSubscribers) return false;
  const o = loadOtel();
  return o === null || current(o).noop;
}

export type Observed = <T>(
  operation: string,
  args: readonly unknown[],
  fn: () => Promise<T>,
) => Promise<T>;

/** Wraps driver calls with spans, the duration histogram and diagnostics_channel events. */
export function observer(driver: Driver): Observed {
  const info = driver.telemetry ?? {};
  const system = info.system ?? SYSTEMS[driver.name] ?? driver.name;
  const base: Record<string, string | number> = { "db.system.name": system };
  if (info.namespace !== undefined) base["db.namespace"] = info.namespace;
  if (info.serverAddress !== undefined) base["server.address"] = info.serverAddress;
  if (info.serverPort !== undefined) base["server.port"] = info.serverPort;
  const o = loadOtel();

  return <T>(operation: string, args: readonly unknown[], fn: () => Promise<T>): Promise<T> => {
    const collection = typeof args[0] === "string" ? args[0] : undefined;
    const batch = Array.isArray(args[1]) ? args[1].length : undefined;
    const traced = channel.hasSubscribers
      ? () => {
          const ctx: OperationContext = {
            system,
            driver: driver.name,
            operation,
            ...(collection === undefined ? {} : { collection }),
            ...(batch === undefined ? {} : { batchSize: batch }),
          };
          return channel.tracePromise(fn, ctx);
        }
      : fn;
    if (!o) return traced();
    const { tracer, duration, noop } = current(o);
    if (noop) return traced();
    const attributes: Record<string, string | number> = { ...base, "db.operation.name": operation };
    if (collection !== undefined) attributes["db.collection.name"] = collection;
    const span = tracer.startSpan(
      collection === undefined ? operation : `${operation} ${collection}`,
      {
        kind: o.SpanKind.CLIENT,
        attributes:
          batch !== undefined && batch > 1
            ? { ...attributes, "db.operation.batch.size": batch }
            : attributes,
      },
    );
    const started = performance.now();
    const done = (error?: unknown): void => {
      if (error !== undefined) {
        attributes["error.type"] = errorType(error);
        span.setAttribute("error.type", attributes["error.type"]);
        span.setStatus({
          code: o.SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
      }
      span.end();
      duration.record((performance.now() - started) / 1000, attributes);
    };
    let promise: Promise<T>;
    try {
      promise = traced();
    } catch (error) {
      done(error);
      throw error;
    }
    return promise.then(
      (value) => {
        done();
        return value;
      },
      (error: unknown) => {
        done(error);
        throw error;
      },
    );
  };
}
