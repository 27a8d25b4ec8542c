// The libSQL driver: connection, pragmas, schema on first use, capabilities, sweeper, close.
//
// Every write is one `client.batch()` (one transaction, one round trip); the driver never opens
// an interactive `transaction()`. That matters for `:memory:` databases: @libsql/client keeps
// them on a single connection (older versions opened a fresh, empty database per transaction),
// and an interactive transaction would hold that connection across awaits.

import path from "node:path";
import { createClient, type Client, type InStatement, type ResultSet } from "@libsql/client";
import {
  ClosedError,
  type Driver,
  type DriverCapabilities,
  StowageError,
  UnavailableError,
  ValidationError,
  redactUrl,
  registerSecret,
} from "@stowage/core";
import { localOpenError, storageError } from "./errors.ts";
import { createLibsqlGraph } from "./graph.ts";
import { createLibsqlKv } from "./kv.ts";
import { openLocalClient } from "./local-client.ts";
import { createLibsqlVectors } from "./vectors.ts";
import { databasePath, released } from "./release.ts";
import {
  CREATE_TABLES,
  JOURNAL_MODES,
  migrations,
  READ_VERSION,
  SCHEMA_VERSION,
  SYNCHRONOUS_LEVELS,
} from "./schema.ts";

/** Case-insensitive. */
export type JournalMode =
  | (typeof JOURNAL_MODES)[number]
  | Lowercase<(typeof JOURNAL_MODES)[number]>;
/** Case-insensitive. */
export type SynchronousLevel =
  | (typeof SYNCHRONOUS_LEVELS)[number]
  | Lowercase<(typeof SYNCHRONOUS_LEVELS)[number]>;

/** Settings applied to local (`file:` and `:memory:`) databases when the driver opens them. */
export interface LibsqlPragmas {
  /** Default "WAL": readers never block the writer, and several processes can share the file. null: leave as is. */
  readonly journalMode?: JournalMode | null;
  /** Default "NORMAL": in WAL mode, durable across application crashes; null: leave as is. */
  readonly synchronous?: SynchronousLevel | null;
  /** How long a statement waits for another process's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

export interface LibsqlDriverOptions {
  /**
   * `file:./app.db` (embedded, the default kind), `:memory:`, or a remote `libsql://…`,
   * `http(s)://…`, `ws(s)://…` URL. Give `url` or `client`.
   */
  readonly url?: string;
  /** An existing client. It stays the caller's: `close()` does not close it. */
  readonly client?: Client;
  /** Token for remote servers (also accepted as `?authToken=` in the URL). */
  readonly authToken?: string;
  readonly pragmas?: LibsqlPragmas;
  /** How often expired KV entries are deleted, in ms (default 60000; 0 disables). Reads never see them either way. */
  readonly sweepIntervalMs?: number;
  /**
   * Traverse with one recursive SQL statement (true, the default) or let core walk level by
   * level over `neighbors` (false). Remote: one round trip instead of two per level; local:
   * the plain recursive walk measured faster than core's walk (see README, "Traversal").
   */
  readonly nativeTraversal?: boolean;
  /**
   * Index cosine and l2 vector collections with `libsql_vector_idx` and answer unfiltered,
   * non-exact queries on 1000+ vectors approximately with `vector_top_k`, re-ranked exactly
   * (declares `approximateVectors`). Default false: every query exact; the index makes inserts
   * ~35x slower and, at 10k vectors, queries slower than exact (README, "Approximate search").
   */
  readonly vectorIndex?: boolean;
}

/** What the KV and graph parts need from the driver. */
export interface Connection {
  /** Runs `fn` once the schema is ready; ClosedError after close, driver errors mapped. */
  use<T>(fn: (client: Client) => Promise<T>): Promise<T>;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** Expired entries deleted per sweep statement, so a sweep never holds the write lock for long. */
const SWEEP_CHUNK = 5000;
/** Values travel JSON-escaped inside one statement parameter; SQLite's own ceiling is 1e9 bytes. */
const MAX_VALUE_BYTES = 64 * 1024 * 1024;

/** SQLite and network failures that mean "cannot reach / cannot lock the database now". */
const UNAVAILABLE_CODES = new Set([
  "SQLITE_BUSY",
  "SQLITE_CANTOPEN",
  "SQLITE_AUTH",
  "SQLITE_PERM",
  "HRANA_WEBSOCKET_ERROR",
  "HRANA_CLOSED_ERROR",
  "HRANA_PROTO_ERROR",
  "SERVER_ERROR",
]);
const UNAVAILABLE_MESSAGE =
  /fetch failed|ConnectionFailed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|timed out|Unauthorized|\b40[13]\b/i;

/** `server.address` / `server.port` of a remote URL (never its credentials or token). */
function remoteServer(url: string): { serverAddress?: string; serverPort?: number } {
  try {
    const u = new URL(url);
    const port = u.port
      ? Number(u.port)
      : u.protocol === "http:" || u.protocol === "ws:"
        ? 80
        : 443;
    return { serverAddress: u.hostname, serverPort: port };
  } catch {
    return {};
  }
}

function isMemoryUrl(url: string): boolean {
  return url === ":memory:" || /^file::memory:/i.test(url);
}

/** `sqlite:` is accepted as an alias of `file:` (core routes both schemes here). */
function normalizeUrl(url: string): string {
  return url.replace(/^sqlite:/i, "file:");
}

function checkPragmas(pragmas: LibsqlPragmas | undefined): {
  journalMode: string | null;
  synchronous: string | null;
  busyTimeoutMs: number;
} {
  const pick = (
    value: unknown,
    allowed: readonly string[],
    fallback: string,
    what: string,
  ): string | null => {
    if (value === undefined) return fallback;
    if (value === null) return null;
    const upper = typeof value === "string" ? value.toUpperCase() : "";
    if (!allowed.includes(upper)) {
      throw new ValidationError(
        "INVALID_OPTION",
        `pragmas.${what} must be one of ${allowed.join(", ")} or null, got ${JSON.stringify(value)}`,
      );
    }
    return upper;
  };
  const busy = pragmas?.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (typeof busy !== "number" || !Number.isInteger(busy) || busy < 0) {
    throw new ValidationError(
      "INVALID_OPTION",
      `pragmas.busyTimeoutMs must be a non-negative integer, got ${String(busy)}`,
    );
  }
  return {
    journalMode: pick(pragmas?.journalMode, JOURNAL_MODES, "WAL", "journalMode"),
    synchronous: pick(pragmas?.synchronous, SYNCHRONOUS_LEVELS, "NORMAL", "synchronous"),
    busyTimeoutMs: busy,
  };
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createLibsqlDriver(options: LibsqlDriverOptions): Driver {
  if (
    options === null ||
    typeof options !== "object" ||
    (options.url === undefined) === (options.client === undefined)
  ) {
    throw new ValidationError(
      "INVALID_OPTION",
      "createLibsqlDriver needs exactly one of `url` (e.g. file:./app.db) or `client`",
    );
  }
  const pragmas = checkPragmas(options.pragmas);
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  if (
    typeof sweepIntervalMs !== "number" ||
    !Number.isFinite(sweepIntervalMs) ||
    sweepIntervalMs < 0
  ) {
    throw new ValidationError(
      "INVALID_OPTION",
      `sweepIntervalMs must be a non-negative number, got ${String(sweepIntervalMs)}`,
    );
  }
  const url = options.url === undefined ? undefined : normalizeUrl(options.url);
  const where = url === undefined ? "the given libSQL client" : redactUrl(url);
  if (url !== undefined && /^file:(\/\/)?([?#]|$)/i.test(url)) {
    // libSQL would open a throwaway database: data written there would be gone on reopen.
    throw new ValidationError(
      "INVALID_OPTION",
      `${JSON.stringify(where)} names no file: give a path such as file:./app.db (or :memory: for a throwaway database)`,
    );
  }
  registerSecret(options.authToken);
  if (url !== undefined) registerSecret(/[?&]authToken=([^&#]+)/i.exec(url)?.[1]);
  const memory = url !== undefined && isMemoryUrl(url);
  const local =
    url !== undefined
      ? /^file:/i.test(url) || url === ":memory:"
      : options.client?.protocol === "file";
  const owned = options.client === undefined;

  let client: Client | undefined = options.client;
  let openError: unknown;
  /** Opens the client; a file that cannot be opened now is tried again by the next call. */
  const open = (): void => {
    if (client || url === undefined) return;
    try {
      // A URL with a host (`file://host/…`) or parameters is left to the client to check or apply.
      const plain = !/[?#]/.test(url) && !/^file:\/\/(?!\/)/i.test(url);
      const file = url === ":memory:" ? url : plain ? databasePath(url) : undefined;
      if (local && file !== undefined) {
        // Plain local files and `:memory:`: cached prepared statements (see local-client.ts).
        client = openLocalClient(file, pragmas.busyTimeoutMs);
        return;
      }
      client = createClient({
        url,
        ...(options.authToken === undefined ? {} : { authToken: options.authToken }),
        intMode: "number",
        // Local: one connection (statements run synchronously anyway), so per-connection pragmas
        // such as `synchronous` hold for every statement; `timeout` is SQLite's busy timeout.
        ...(local ? { concurrency: 1, timeout: pragmas.busyTimeoutMs } : {}),
      });
    } catch (error) {
      const code = errorCode(error);
      if (code.startsWith("URL_")) {
        throw new ValidationError(
          "INVALID_OPTION",
          `invalid libSQL URL ${where}: ${errorMessage(error)}`,
          { cause: error },
        );
      }
      // Cannot open (missing directory, permissions): reported on first use.
      openError = error;
    }
  };
  open();

  let closed = false;
  let ready: Promise<Client> | undefined;
  /** Set once the schema is ready: later calls skip the await on `ready`. */
  let readyClient: Client | undefined;
  let sweeper: ReturnType<typeof setInterval> | undefined;
  let sweeping = false;

  const mapError = (error: unknown): unknown => {
    if (error instanceof StowageError) return error;
    const code = errorCode(error);
    if (code === "CLIENT_CLOSED" || closed) {
      return new ClosedError("the libsql driver is closed", { cause: error });
    }
    const message = errorMessage(error);
    const storage = storageError(error, where);
    if (storage) return storage;
    // A WAL database whose -shm/-wal cannot be created (its directory is read-only): since close()
    // releases the file, SQLite removes them on the last close, and reopening needs them again.
    if (code === "SQLITE_CANTOPEN" && local) return localOpenError(url, where, error);
    if (
      UNAVAILABLE_CODES.has(code) ||
      UNAVAILABLE_MESSAGE.test(message) ||
      (error instanceof TypeError && /fetch/i.test(message))
    ) {
      return new UnavailableError(`libsql: cannot use ${where}: ${message}`, { cause: error });
    }
    return error;
  };

  async function applyPragmas(c: Client): Promise<void> {
    if (c.protocol !== "file") return;
    // Pragmas take no parameters; the values were checked against fixed lists above.
    await c.execute(`PRAGMA busy_timeout = ${pragmas.busyTimeoutMs}`);
    if (pragmas.journalMode && !memory) await setJournalMode(c, pragmas.journalMode);
    if (pragmas.synchronous) await c.execute(`PRAGMA synchronous = ${pragmas.synchronous}`);
  }

  /**
   * Switching to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once, without
   * the busy handler, when another connection holds a lock meanwhile (two processes opening a
   * new file together). So: nothing to do when the file already has the mode, else retry for up
   * to the busy timeout.
   */
  async function setJournalMode(c: Client, mode: string): Promise<void> {
    const deadline = Date.now() + pragmas.busyTimeoutMs;
    for (;;) {
      try {
        const current = await c.execute("PRAGMA journal_mode");
        if (String(current.rows[0]?.[0]).toUpperCase() === mode.toUpperCase()) return;
        await c.execute(`PRAGMA journal_mode = ${mode}`);
        return;
      } catch (error) {
        if (errorCode(error) !== "SQLITE_BUSY" || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  async function readVersion(c: Client): Promise<number | undefined> {
    try {
      const rs = await c.execute(READ_VERSION);
      const row = rs.rows[0];
      return row ? Number(row[0]) : undefined;
    } catch (error) {
      if (/no such table/i.test(errorMessage(error))) return undefined;
      throw error;
    }
  }

  async function ensureSchema(c: Client): Promise<void> {
    let version = await readVersion(c);
    if (version === undefined) {
      // One write transaction: a second process opening the same new file waits for the lock
      // (busy timeout), then finds every IF NOT EXISTS satisfied.
      const results = await c.batch([...CREATE_TABLES, READ_VERSION], "write");
      version = Number(results[results.length - 1]?.rows[0]?.[0]);
    }
    while (version < SCHEMA_VERSION) {
      const steps = migrations[version] ?? [];
      // Guarded by the version it starts from, so concurrent migrators apply each step once.
      const bump: InStatement = {
        sql: "UPDATE stowage_meta SET value = ? WHERE key = 'schema_version' AND value = ?",
        args: [String(version + 1), String(version)],
      };
      await c.batch([bump, ...steps], "write");
      version = (await readVersion(c)) ?? SCHEMA_VERSION;
    }
    if (version > SCHEMA_VERSION) {
      throw new StowageError(
        `${where} has stowage schema version ${version}, newer than this @stowage/libsql understands (${SCHEMA_VERSION}): upgrade the package`,
      );
    }
  }

  function startSweeper(c: Client): void {
    if (sweepIntervalMs <= 0 || sweeper) return;
    sweeper = setInterval(() => void sweep(c), sweepIntervalMs);
    // The sweeper only frees space; it must never keep the process alive.
    sweeper.unref();
  }

  async function sweep(c: Client): Promise<void> {
    if (closed || sweeping) return;
    sweeping = true;
    try {
      // Real clock: core's clock is never behind it, so nothing core still sees as live is removed.
      let deleted: number;
      do {
        const rs: ResultSet = await c.execute({
          sql: `DELETE FROM stowage_kv WHERE (ns, key) IN (
                  SELECT ns, key FROM stowage_kv WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ${SWEEP_CHUNK})`,
          args: [Date.now()],
        });
        deleted = rs.rowsAffected;
      } while (deleted === SWEEP_CHUNK && !closed);
    } catch {
      // A busy database or a lost connection: try again at the next tick.
    } finally {
      sweeping = false;
    }
  }

  function init(): Promise<Client> {
    if (!ready) {
      ready = (async () => {
        open();
        if (!client) throw localOpenError(url, where, openError);
        await applyPragmas(client);
        await ensureSchema(client);
        startSweeper(client);
        readyClient = client;
        return client;
      })();
      // A failed start (server down) is retried by the next call.
      ready.catch(() => {
        ready = undefined;
      });
    }
    return ready;
  }

  const connection: Connection = {
    async use(fn) {
      if (closed) throw new ClosedError("the libsql driver is closed");
      try {
        let c = readyClient;
        if (!c) {
          c = await init();
          if (closed) throw new ClosedError("the libsql driver is closed");
        }
        return await fn(c);
      } catch (error) {
        throw mapError(error);
      }
    },
  };

  const capabilities: DriverCapabilities = {
    kv: true,
    graph: true,
    ttl: true,
    cas: true,
    atomicBatches: true,
    nativeTraversal: options.nativeTraversal ?? true,
    persistent: !memory,
    shared: !memory,
    maxValueBytes: MAX_VALUE_BYTES,
    vectors: true,
    approximateVectors: options.vectorIndex === true,
  };

  const file = url === undefined ? undefined : databasePath(url);
  return {
    name: "libsql",
    capabilities,
    telemetry: {
      system: "sqlite",
      ...(file ? { namespace: path.basename(file) } : {}),
      ...(!local && url !== undefined ? remoteServer(url) : {}),
    },
    kv: createLibsqlKv(connection),
    graph: createLibsqlGraph(connection),
    vectors: createLibsqlVectors(connection, options.vectorIndex === true),
    async ping() {
      // use() has created or checked the schema first: this version is the one in the file.
      await connection.use((c) => c.execute("SELECT 1"));
      return { schemaVersion: SCHEMA_VERSION };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      // A client the caller passed in is theirs to close.
      if (owned && client) {
        client.close();
        // The database, -wal and -shm descriptors are released by then (see release.ts).
        if (file !== undefined) await released(file);
      }
    },
  };
}

/** For core's `openStore(url)`: `file:`, `sqlite:`, `:memory:`, `libsql:`, `http(s):`, `ws(s):`. */
export async function openDriver(
  url: string,
  options: Omit<LibsqlDriverOptions, "url" | "client"> = {},
): Promise<Driver> {
  // Nothing is opened here: a bad path or an unreachable server fails at the first call (every
  // driver does the same); `await store.ping()` checks at once.
  return createLibsqlDriver({ ...options, url });
}
