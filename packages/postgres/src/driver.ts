// The driver factory: connection (own pool or the caller's `sql`), lazy schema creation, error
// mapping, the expiry sweeper and close().

import {
  ClosedError,
  StorageError,
  UnavailableError,
  ValidationError,
  registerSecret,
} from "@stowage/core";
import type { StorageReason } from "@stowage/core";
import type { BatchResult, Driver, DriverCapabilities } from "@stowage/core";
import type { Sql } from "postgres";
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_QUERY_TIMEOUT_MS,
  type PostgresDriverOptions,
  checkMs,
  checkVectorIndex,
  describeLocation,
  ownConnection,
  passwordOf,
  poolMax,
  telemetryOf,
} from "./connection.ts";
import { copyIn } from "./copy.ts";
import { type DeadlineOptions, sharedProbe, type Track, withDeadline } from "./deadline.ts";
import { createGraphDriver } from "./graph.ts";
import { createKvDriver, sweepExpired } from "./kv.ts";
import { DEFAULT_SCHEMA, ensureSchema, latestVersion, tablesOf } from "./schema.ts";
import { createPostgresVectors } from "./vectors.ts";
import type { Tables } from "./schema.ts";

export type { PostgresDriverOptions } from "./connection.ts";

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
  vectors: true,
  approximateVectors: false,
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
  /**
   * Runs `fn`'s statements in one transaction (all retried together on a deadlock): `query` runs
   * one prepared statement, `copy` sends a payload to a `COPY … FROM STDIN` statement.
   */
  transaction<T>(
    what: string,
    fn: (
      query: (text: string, params: readonly unknown[]) => Promise<Row[]>,
      copy: (text: string, data: Uint8Array) => Promise<void>,
    ) => Promise<T>,
  ): Promise<T>;
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
  const vectorIndex = checkVectorIndex(options.vectorIndex);
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
  const queryMs =
    checkMs(options.queryTimeoutMs, "queryTimeoutMs", true) ?? DEFAULT_QUERY_TIMEOUT_MS;
  const closeMs =
    checkMs(options.closeTimeoutMs, "closeTimeoutMs", true) ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const own = options.sql === undefined ? ownConnection(options) : undefined;
  const sql = options.sql ?? (own as { sql: Sql }).sql;
  // With the caller's instance, the probe shares its pool (a saturated pool reads as a dead server).
  let probeSql: Sql | undefined;
  const alive = sharedProbe(() => {
    probeSql ??= own ? own.probe() : sql;
    return probeSql.unsafe("SELECT 1");
  }, queryMs / 2);
  const location = describeLocation(sql);
  const telemetry = telemetryOf(sql);
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

  const timedOut = (what: string): Error =>
    closed
      ? new ClosedError(`cannot ${what}: the postgres driver is closed`)
      : new UnavailableError(
          `PostgreSQL at ${location} did not answer within ${queryMs} ms (${what}; option queryTimeoutMs): ` +
            "a write may or may not have been applied",
        );

  let inFlight = 0;
  /**
   * Checks the driver is open, creates the schema on first use, bounds the call by
   * queryTimeoutMs, maps connection errors.
   */
  const deadline = (what: string): DeadlineOptions => ({
    ms: queryMs,
    timedOut: () => timedOut(what),
    alive,
  });
  const run = <T>(what: string, fn: (track: Track) => Promise<T>): Promise<T> => {
    checkOpen(what);
    inFlight++;
    return withDeadline(deadline(what), async (track) => {
      try {
        if (!schemaDone) await ready();
        return await retried(() => fn(track));
      } catch (error) {
        if (error instanceof Rollback) throw error;
        throw mapError(what, error);
      }
    }).finally(() => {
      inFlight--;
    });
  };
  const rowsOfQuery = (
    q: Sql,
    track: Track,
    text: string,
    params: readonly unknown[],
  ): Promise<Row[]> =>
    track(q.unsafe(text, params as never[], PREPARED)).values() as unknown as Promise<Row[]>;

  const db: Db = {
    t,
    query: (what, text, params) => run(what, (track) => rowsOfQuery(sql, track, text, params)),
    execute: (what, text, params) =>
      run(
        what,
        async (track) => (await track(sql.unsafe(text, params as never[], PREPARED))).count,
      ),
    async batch(what, text, params, atomic, collect) {
      if (!atomic) return collect(await db.query(what, text, params));
      try {
        return await run(what, (track) =>
          sql.begin(async (tx) => {
            const result = collect(await rowsOfQuery(tx as unknown as Sql, track, text, params));
            if (!result.ok) throw new Rollback(result);
            return result;
          }),
        );
      } catch (error) {
        if (error instanceof Rollback) return error.result as typeof error.result & { ok: false };
        throw error;
      }
    },
    transaction: (what, fn) =>
      run(what, (track) =>
        sql.begin((tx) =>
          fn(
            (text, params) => rowsOfQuery(tx as unknown as Sql, track, text, params),
            (text, data) => copyIn(tx as unknown as Sql, track, text, data),
          ),
        ),
      ) as Promise<never>,
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

  const graph = createGraphDriver(db);
  return {
    name: "postgres",
    capabilities: { ...capabilities, approximateVectors: vectorIndex === "hnsw" },
    kv: createKvDriver(db),
    graph,
    vectors: createPostgresVectors(db, { index: vectorIndex, traversal: graph.traversalSql }),
    telemetry,
    async ping() {
      checkOpen("ping");
      await withDeadline(deadline("ping"), async (track) => {
        try {
          await track(sql.unsafe("SELECT 1", [], PREPARED));
        } catch (error) {
          throw mapError("ping", error);
        }
      });
      const pool = { max: poolMax(sql), inFlight };
      // The schema is checked on first use; ping reports its version once that has happened.
      return schemaDone ? { pool, schemaVersion: latestVersion(t) } : { pool };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      // Running queries get closeTimeoutMs, then their connections are ended.
      const probe = probeSql !== sql ? probeSql?.end({ timeout: 0 }) : undefined;
      if (owned) await sql.end({ timeout: closeMs / 1000 });
      await probe;
    },
  };
}
