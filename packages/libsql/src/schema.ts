// Tables, indexes and the schema version. Every table name starts with `stowage_`, so the driver
// can share a database file with an application's own tables.
//
// Text columns use SQLite's default BINARY collation: memcmp over UTF-8, which is exactly the
// UTF-8 byte order the SPI requires for keys, ids and types.

/** Bump when the layout changes, and add the migration to `migrations` below. */
export const SCHEMA_VERSION = 1;

export const CREATE_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS stowage_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
  ) WITHOUT ROWID`,
  // expires_at: epoch ms or NULL. Expired rows stay until swept; every read filters them.
  `CREATE TABLE IF NOT EXISTS stowage_kv (
    ns TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (ns, key)
  ) WITHOUT ROWID`,
  // Only rows that can expire are indexed, for the sweeper.
  `CREATE INDEX IF NOT EXISTS stowage_kv_expiry ON stowage_kv (expires_at) WHERE expires_at IS NOT NULL`,
  `CREATE TABLE IF NOT EXISTS stowage_nodes (
    graph TEXT NOT NULL,
    id TEXT NOT NULL,
    type TEXT,
    props TEXT NOT NULL,
    PRIMARY KEY (graph, id)
  ) WITHOUT ROWID`,
  // Listing nodes by type.
  `CREATE INDEX IF NOT EXISTS stowage_nodes_by_type ON stowage_nodes (graph, type, id)`,
  // The primary key serves outgoing edges (and listing in (from, type, to) order).
  `CREATE TABLE IF NOT EXISTS stowage_edges (
    graph TEXT NOT NULL,
    src TEXT NOT NULL,
    type TEXT NOT NULL,
    dst TEXT NOT NULL,
    props TEXT NOT NULL,
    PRIMARY KEY (graph, src, type, dst)
  ) WITHOUT ROWID`,
  // Incoming edges, ordered by (type, from) as `neighbors` lists them.
  `CREATE INDEX IF NOT EXISTS stowage_edges_in ON stowage_edges (graph, dst, type, src)`,
  `INSERT OR IGNORE INTO stowage_meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}')`,
];

export const READ_VERSION = "SELECT value FROM stowage_meta WHERE key = 'schema_version'";

/** Statements that bring a database from version `n` to `n + 1` (none yet). */
export const migrations: Record<number, readonly string[]> = {};

/** Journal modes and synchronous levels accepted in `pragmas` (pragmas take no parameters). */
export const JOURNAL_MODES = ["WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY", "OFF"] as const;
export const SYNCHRONOUS_LEVELS = ["OFF", "NORMAL", "FULL", "EXTRA"] as const;
