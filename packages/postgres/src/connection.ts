// The driver's own connections: options, postgres.js settings that bound every failure, the
// liveness probe's connection, and what the driver may say about a connection (location for
// messages, telemetry attributes, pool size) without ever showing the password.

import { ValidationError, redactUrl } from "@stowage/core";
import type { DriverTelemetry } from "@stowage/core";
import postgres from "postgres";
import type { Options, Sql } from "postgres";

export interface PostgresDriverOptions {
  /** `postgres://user:password@host:port/database?…`. Give this or `sql`. */
  readonly url?: string;
  /** An existing postgres.js instance. The driver uses it and never ends it. */
  readonly sql?: Sql;
  /** PostgreSQL schema holding every table (default "stowage"); created on first use. */
  readonly schema?: string;
  /** Pool size of the driver's own connections (default 10). */
  readonly max?: number;
  /** Time allowed to connect, in ms (default 2000). */
  readonly connectTimeoutMs?: number;
  /**
   * Bound on a call when the server does not answer, in ms (default 2000; 0: none). A call still
   * waiting for a connection after it fails with a retryable UnavailableError and never runs. A
   * call running on the server longer is only failed when the server stops answering a separate
   * `SELECT 1` within half of it (then its outcome is unknown: a write may have committed); a live
   * server's long statement runs on (bound those with statementTimeoutMs).
   */
  readonly queryTimeoutMs?: number;
  /** Longest wait of `close()` for running queries before it ends their connections, in ms (default 500). */
  readonly closeTimeoutMs?: number;
  /** Replace pooled connections older than this, in ms (default: postgres.js's 30–60 minutes). */
  readonly maxLifetimeMs?: number;
  /**
   * Prepared statements (default true). Set false behind PgBouncer in transaction mode, which
   * cannot keep a prepared statement between transactions. Only for the driver's own connections:
   * an `sql` instance keeps its own setting.
   */
  readonly prepare?: boolean;
  /** `statement_timeout` of the driver's own connections, in ms (default: the server's). */
  readonly statementTimeoutMs?: number;
  /** Close connections idle this long, in ms (default: never). */
  readonly idleTimeoutMs?: number;
  /** Passed to postgres.js as `ssl` (e.g. "require", or tls.connect options). */
  readonly ssl?: Options<Record<string, never>>["ssl"];
  /** How often expired KV rows are deleted, in ms (default 60000; 0 turns the sweeper off). */
  readonly sweepIntervalMs?: number;
  /**
   * "hnsw": vector queries without `exact` or a filter use pgvector's HNSW index (approximate;
   * capability `approximateVectors`). Needs the pgvector extension (0.5+) in the database; without
   * it the first vector call throws UnsupportedError. Default: exact search, no extension.
   */
  readonly vectorIndex?: "hnsw";
}

export function checkVectorIndex(value: unknown): "hnsw" | undefined {
  if (value === undefined || value === "hnsw") return value;
  throw new ValidationError(
    "INVALID_OPTION",
    `vectorIndex must be "hnsw" or left out, got ${JSON.stringify(value) ?? String(value)}`,
  );
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 2_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 500;
/** Longest pause between reconnection attempts (postgres.js grows its own to 20 s). */
const MAX_RECONNECT_DELAY_S = 0.2;

/** `postgres://user@host:port/db` of a postgres.js instance: never the password. */
export function describeLocation(sql: Sql): string {
  const o = sql.options as unknown as {
    host?: string[];
    port?: number[];
    path?: string;
    database?: string;
    user?: string;
  };
  const hosts = o.path
    ? String(o.path)
    : (o.host ?? []).map((h, i) => `${h}:${o.port?.[i] ?? o.port?.[0] ?? 5432}`).join(",");
  return `postgres://${o.user ? `${o.user}@` : ""}${hosts}/${o.database ?? ""}`;
}

/** `db.namespace` and `server.*` attributes of traces and metrics (first host only). */
export function telemetryOf(sql: Sql): DriverTelemetry {
  const o = sql.options as unknown as {
    host?: string[];
    port?: number[];
    path?: string;
    database?: string;
  };
  const host = o.path ? undefined : o.host?.[0];
  return {
    system: "postgresql",
    ...(o.database ? { namespace: String(o.database) } : {}),
    ...(host ? { serverAddress: host, serverPort: Number(o.port?.[0] ?? 5432) } : {}),
  };
}

export function poolMax(sql: Sql): number | undefined {
  const max = (sql.options as unknown as { max?: unknown }).max;
  return typeof max === "number" ? max : undefined;
}

export function passwordOf(sql: Sql): string | undefined {
  const pass = (sql.options as unknown as { pass?: unknown }).pass;
  return typeof pass === "string" && pass.length > 0 ? pass : undefined;
}

export function checkMs(value: unknown, what: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    throw new ValidationError(
      "INVALID_OPTION",
      `${what} must be a ${allowZero ? "non-negative" : "positive"} number of milliseconds`,
    );
  }
  return value;
}

export function ownConnection(options: PostgresDriverOptions): { sql: Sql; probe: () => Sql } {
  if (typeof options.url !== "string" || options.url.length === 0) {
    throw new ValidationError(
      "INVALID_OPTION",
      "the postgres driver needs a url or an sql instance",
    );
  }
  const max = options.max ?? 10;
  if (!Number.isInteger(max) || max < 1)
    throw new ValidationError("INVALID_OPTION", "max must be a positive integer");
  const connectMs =
    checkMs(options.connectTimeoutMs, "connectTimeoutMs") ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const statementMs = checkMs(options.statementTimeoutMs, "statementTimeoutMs");
  const idleMs = checkMs(options.idleTimeoutMs, "idleTimeoutMs");
  const lifetimeMs = checkMs(options.maxLifetimeMs, "maxLifetimeMs");
  if (options.prepare !== undefined && typeof options.prepare !== "boolean")
    throw new ValidationError("INVALID_OPTION", "prepare must be a boolean");
  const settings: Options<Record<string, never>> = {
    max,
    connect_timeout: connectMs / 1000,
    // Reconnect promptly while the server is away: postgres.js's default backoff grows to 20 s,
    // and calls queued meanwhile waited for it (17–20 s per call with a stopped server).
    backoff: (retries: number) => Math.min(0.01 * 2 ** retries, MAX_RECONNECT_DELAY_S),
    ...(idleMs === undefined ? {} : { idle_timeout: idleMs / 1000 }),
    ...(lifetimeMs === undefined ? {} : { max_lifetime: lifetimeMs / 1000 }),
    ...(options.prepare === false ? { prepare: false } : {}),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(statementMs === undefined
      ? {}
      : { connection: { statement_timeout: Math.ceil(statementMs) } }),
    // "already exists, skipping" and similar notices are not for the application's log.
    onnotice: () => {},
  };
  try {
    const url = options.url;
    const sql = postgres(url, settings);
    // The liveness probe of the call deadline: a connection of its own, so a busy pool cannot
    // make a live server look dead.
    const probe = () =>
      postgres(url, {
        ...settings,
        max: 1,
        idle_timeout: 5,
        connect_timeout: Math.min(connectMs, 1000) / 1000,
      });
    return { sql, probe };
  } catch (error) {
    // Node's URL errors carry the whole input (password included): neither message nor cause.
    throw new ValidationError(
      "INVALID_OPTION",
      `invalid PostgreSQL URL ${redactUrl(options.url)}: ${(error as Error).message.split(options.url).join("…")}`,
    );
  }
}
