// The driver factory: connection (own pool or the caller's `sql`), lazy schema creation, error
// mapping, the expiry sweeper and close().

import {
  ClosedError,
  StorageError,
  UnavailableError,
  ValidationError,
  redactUrl,
  registerSecret,
} from "@stowage/core";
import type { StorageReason } from "@stowage/core";
import type { BatchResult, Driver, DriverCapabilities } from "@stowage/core";
import postgres from "postgres";
import type { Options, Sql } from "postgres";
import { createGraphDriver } from "./graph.ts";
import { createKvDriver, sweepExpired } from "./kv.ts";
import { DEFAULT_SCHEMA, ensureSchema, tablesOf } from "./schema.ts";
import type { Tables } from "./schema.ts";

export interface PostgresDriverOptions {
  /** `postgres://user:password@host:port/database?…`. Give this or `sql`. */
  readonly url?: string;
  /** An existing postgres.js instance. The driver uses it and never ends it. */
  readonly sql?: Sql;
  /** PostgreSQL schema holding every table (default "stowage"); created on first use. */
  readonly schema?: string;
  /** Pool size of the driver's own connections (default 10). */
  readonly max?: number;
  /** Time allowed to connect, in ms (default 10000). */
  readonly connectTimeoutMs?: number;
  /** `statement_timeout` of the driver's own connections, in ms (default: the server's). */
  readonly statementTimeoutMs?: number;
  /** Close connections idle this long, in ms (default: never). */
  readonly idleTimeoutMs?: number;
  /** Passed to postgres.js as `ssl` (e.g. "require", or tls.connect options). */
  readonly ssl?: Options<Record<string, never>>["ssl"];
  /** How often expired KV rows are deleted, in ms (default 60000; 0 turns the sweeper off). */
  readonly sweepIntervalMs?: number;
}

/** Largest encoded value accepted (PostgreSQL text holds up to 1 GB; this keeps memory sane). */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;

const DEFAULT_SWEEP_MS = 60_000;

export const capabilities: DriverCapabilities = {
  kv: true,
  graph: true,
  ttl: true,
  cas: true,
  atomicBatches: true,
  nativeTraversal: true,
  persistent: true,
  shared: true,
  maxValueBytes: MAX_VALUE_BYTES,
};

/**
 * Options of every query: prepared (postgres.js `unsafe` does not prepare by default). A caller's
 * instance made with `prepare: false` (e.g. behind PgBouncer in transaction mode) still wins.
 */
export const PREPARED = { prepare: true } as const;

/**
 * Rows from parallel arrays, their parameters appended to `params`: `unnest($n::type[], …)` for
 * a batch, `(VALUES ($n::type, …))` for a single row. Knowing it is one row, the planner keeps
 * one generic plan for the prepared statement instead of planning every call (and does not pick
 * a hash join over the whole table for one key). `ordinality` adds a 1-based position column.
 */
export function rowsOf(
  params: unknown[],
  alias: string,
  columns: ReadonlyArray<readonly [name: string, type: string, values: readonly unknown[]]>,
  ordinality?: string,
): string {
  const names = columns.map(([name]) => name);
  if (ordinality) names.push(ordinality);
  const single = columns[0]?.[2].length === 1;
  const refs = columns.map(([, type, values]) => {
    params.push(single ? values[0] : values);
    return `$${params.length}::${type}${single ? "" : "[]"}`;
  });
  if (single) {
    if (ordinality) refs.push("1::bigint");
    return `(VALUES (${refs.join(", ")})) AS ${alias}(${names.join(", ")})`;
  }
  return `unnest(${refs.join(", ")})${ordinality ? " WITH ORDINALITY" : ""} AS ${alias}(${names.join(", ")})`;
}

/** A result row as an array: immune to the caller's column-name transforms (e.g. camelCase). */
export type Row = unknown[];

/** What the KV and graph parts share: the tables and the ways to run a statement. */
export interface Db {
  readonly t: Tables;
  /** Runs one prepared statement once the schema exists; its rows. */
  query(what: string, text: string, params: readonly unknown[]): Promise<Row[]>;
  /** Runs one prepared statement once the schema exists; how many rows it changed. */
  execute(what: string, text: string, params: readonly unknown[]): Promise<number>;
  /**
   * Runs a conditional batch statement and turns its rows into a result with `collect`. With
   * `atomic`, inside a transaction that is rolled back when the result is not ok.
   */
  batch<T>(
    what: string,
    text: string,
    params: readonly unknown[],
    atomic: boolean,
    collect: (rows: Row[]) => BatchResult<T>,
  ): Promise<BatchResult<T>>;
}

// SQLSTATE classes and codes meaning "cannot reach or use the server right now".
const UNAVAILABLE_SQLSTATE = /^(08|28|53|57P0)|^(57014|3D000|55P03)$/;
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
]);
// SQLSTATEs meaning "the server cannot store": disk full, read-only transaction (a standby, or
// default_transaction_read_only), corrupted data or index. An operator has to act.
const STORAGE_SQLSTATE: Readonly<Record<string, StorageReason>> = {
  "53100": "FULL",
  "25006": "READ_ONLY",
  XX001: "CORRUPT",
  XX002: "CORRUPT",
};
// Deadlock and serialization failures; and a foreign key violation, which only upsertEdges can
// meet, when a concurrent deleteNodes removes an endpoint between its two halves: a retry
// recreates the endpoint.
const RETRY_SQLSTATE = new Set(["40P01", "40001", "23503"]);

function codeOf(error: unknown): string {
  return String((error as { code?: unknown } | null)?.code ?? "");
}

export function isUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  return (
    UNAVAILABLE_CODES.has(code) ||
    UNAVAILABLE_SQLSTATE.test(code) ||
    /certificate|TLS|SSL/i.test(String((error as Error)?.message))
  );
}

/** `postgres://user@host:port/db` of a postgres.js instance: never the password. */
function describeLocation(sql: Sql): string {
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

function passwordOf(sql: Sql): string | undefined {
  const pass = (sql.options as unknown as { pass?: unknown }).pass;
  return typeof pass === "string" && pass.length > 0 ? pass : undefined;
}

function checkMs(value: unknown, what: string, allowZero = false): number | undefined {
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

function ownConnection(options: PostgresDriverOptions): Sql {
  if (typeof options.url !== "string" || options.url.length === 0) {
    throw new ValidationError(
      "INVALID_OPTION",
      "the postgres driver needs a url or an sql instance",
    );
  }
  const max = options.max ?? 10;
  if (!Number.isInteger(max) || max < 1)
    throw new ValidationError("INVALID_OPTION", "max must be a positive integer");
  const connectMs = checkMs(options.connectTimeoutMs, "connectTimeoutMs") ?? 10_000;
  const statementMs = checkMs(options.statementTimeoutMs, "statementTimeoutMs");
  const idleMs = checkMs(options.idleTimeoutMs, "idleTimeoutMs");
  const settings: Options<Record<string, never>> = {
    max,
    connect_timeout: connectMs / 1000,
    ...(idleMs === undefined ? {} : { idle_timeout: idleMs / 1000 }),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(statementMs === undefined
      ? {}
      : { connection: { statement_timeout: Math.ceil(statementMs) } }),
    // "already exists, skipping" and similar notices are not for the application's log.
    onnotice: () => {},
  };
  try {
    return postgres(options.url, settings);
  } catch (error) {
    // Node's URL errors carry the whole input (password included): neither message nor cause.
    throw new ValidationError(
      "INVALID_OPTION",
      `invalid PostgreSQL URL ${redactUrl(options.url)}: ${(error as Error).message.split(options.url).join("…")}`,
    );
  }
}

/** Thrown inside a transaction to roll it back and hand the result out. */
class Rollback {
  readonly result: BatchResult<unknown>;
  constructor(result: BatchResult<unknown>) {
    this.result = result;
  }
}

/** Runs `fn` again when PostgreSQL aborted it for one of the reasons in RETRY_SQLSTATE. */
async function retried<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 5 || !RETRY_SQLSTATE.has(codeOf(error))) throw error;
    }
  }
}

export function createPostgresDriver(options: PostgresDriverOptions): Driver {
  if (options === null || typeof options !== "object")
    throw new ValidationError("INVALID_OPTION", "options must be an object");
  const t = tablesOf(options.schema ?? DEFAULT_SCHEMA);
  const sweepMs = checkMs(options.sweepIntervalMs, "sweepIntervalMs", true) ?? DEFAULT_SWEEP_MS;
  const owned = options.sql === undefined;
  if (
    !owned &&
    (options.sql as unknown as { options?: { fetch_types?: boolean } }).options?.fetch_types ===
      false
  ) {
    // Array parameters (every batch) are serialized with the array types postgres.js fetches.
    throw new ValidationError(
      "INVALID_OPTION",
      "the sql instance must keep fetch_types enabled (the default)",
    );
  }
  const sql = options.sql ?? ownConnection(options);
  const location = describeLocation(sql);
  const password = passwordOf(sql);
  registerSecret(password);
  let closed = false;
  let schemaReady: Promise<void> | undefined;
  let schemaDone = false;

  const unavailable = (what: string, error: unknown): UnavailableError => {
    let message = error instanceof Error ? error.message : String(error);
    if (password) message = message.split(password).join("***");
    return new UnavailableError(`PostgreSQL at ${location} is unavailable (${what}): ${message}`, {
      cause: error,
    });
  };

  const mapError = (what: string, error: unknown): unknown => {
    if (closed)
      return error instanceof ClosedError
        ? error
        : new ClosedError(`cannot ${what}: the postgres driver is closed`, { cause: error });
    const reason = STORAGE_SQLSTATE[codeOf(error)];
    if (reason) {
      const message = error instanceof Error ? error.message : String(error);
      return new StorageError(
        reason,
        `PostgreSQL at ${location} cannot store (${what}): ${message}`,
        {
          cause: error,
        },
      );
    }
    if (isUnavailable(error)) return unavailable(what, error);
    return error;
  };

  const ready = (): Promise<void> => {
    schemaReady ??= ensureSchema(sql, t).then(
      () => {
        schemaDone = true;
      },
      (error: unknown) => {
        schemaReady = undefined; // try again on the next call (the server may come back)
        throw error;
      },
    );
    return schemaReady;
  };

  const checkOpen = (what: string): void => {
    if (closed) throw new ClosedError(`cannot ${what}: the postgres driver is closed`);
  };

  /** Checks the driver is open, creates the schema on first use, maps connection errors. */
  const run = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    checkOpen(what);
    try {
      if (!schemaDone) await ready();
      return await retried(fn);
    } catch (error) {
      if (error instanceof Rollback) throw error;
      throw mapError(what, error);
    }
  };
  const rowsOfQuery = (q: Sql, text: string, params: readonly unknown[]): Promise<Row[]> =>
    q.unsafe(text, params as never[], PREPARED).values() as unknown as Promise<Row[]>;

  const db: Db = {
    t,
    query: (what, text, params) => run(what, () => rowsOfQuery(sql, text, params)),
    execute: (what, text, params) =>
      run(what, async () => (await sql.unsafe(text, params as never[], PREPARED)).count),
    async batch(what, text, params, atomic, collect) {
      if (!atomic) return collect(await db.query(what, text, params));
      try {
        return await run(what, () =>
          sql.begin(async (tx) => {
            const result = collect(await rowsOfQuery(tx as unknown as Sql, text, params));
            if (!result.ok) throw new Rollback(result);
            return result;
          }),
        );
      } catch (error) {
        if (error instanceof Rollback) return error.result as typeof error.result & { ok: false };
        throw error;
      }
    },
  };

  // Expired rows are never read (every query filters on `now`); the sweeper only frees space.
  let sweeping = false;
  const timer =
    sweepMs > 0
      ? setInterval(() => {
          if (closed || !schemaDone || sweeping) return;
          sweeping = true;
          sweepExpired(db, Date.now())
            .catch(() => {}) // the next tick tries again; reads never depend on it
            .finally(() => {
              sweeping = false;
            });
        }, sweepMs)
      : undefined;
  timer?.unref();

  return {
    name: "postgres",
    capabilities,
    kv: createKvDriver(db),
    graph: createGraphDriver(db),
    async ping() {
      checkOpen("ping");
      try {
        await sql.unsafe("SELECT 1", [], PREPARED);
      } catch (error) {
        throw mapError("ping", error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (owned) await sql.end({ timeout: 5 });
    },
  };
}
