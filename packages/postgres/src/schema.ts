// Tables, indexes and versioned migrations. Every table lives in one PostgreSQL schema (option
// `schema`, default "stowage"). Migrations run under an advisory lock, so several processes
// starting at once create the schema exactly once.

import { StowageError, ValidationError } from "@stowage/core";
import type { Sql } from "postgres";

export const DEFAULT_SCHEMA = "stowage";

/** Schema names we accept: a plain identifier, so it can be quoted without surprises. */
const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Fully quoted names of the tables of one schema, e.g. `"stowage"."kv"`. */
export interface Tables {
  readonly schema: string;
  readonly quotedSchema: string;
  readonly kv: string;
  readonly nodes: string;
  readonly edges: string;
  readonly migrations: string;
}

export function checkSchemaName(name: unknown): string {
  if (typeof name !== "string" || !SCHEMA_PATTERN.test(name)) {
    throw new ValidationError(
      "INVALID_OPTION",
      `schema must be 1-63 letters, digits or '_', not starting with a digit, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

export function tablesOf(schema: string): Tables {
  const q = `"${checkSchemaName(schema)}"`;
  return {
    schema,
    quotedSchema: q,
    kv: `${q}.kv`,
    nodes: `${q}.nodes`,
    edges: `${q}.edges`,
    migrations: `${q}.migrations`,
  };
}

/**
 * Heap pages are filled to 90% on insert, leaving room for a row's next version on its own page:
 * rewriting a value or merging props (no indexed column changes) is then a HOT update, which adds
 * no index entries. At 100%, rewrites of freshly loaded rows move them to other pages with a new
 * entry in every index (three for edges): re-upserting 1000 loaded edges took 1.9-2.2x as long,
 * overwriting 1000 KV entries 1.3x (README, "Performance").
 */
const FILLFACTOR = 90;

/**
 * Migration N (index N-1) brings the schema from version N-1 to N. Never edit a released one:
 * append a new one. Keys, ids and types are `COLLATE "C"` so order is UTF-8 byte order.
 */
export function migrations(t: Tables): string[][] {
  return [
    [
      // KV: value as text (see README, "Why text for values"); expiry and version as integers.
      `CREATE TABLE ${t.kv} (
        ns         text COLLATE "C" NOT NULL,
        key        text COLLATE "C" NOT NULL,
        value      text NOT NULL,
        version    bigint NOT NULL,
        expires_at bigint,
        PRIMARY KEY (ns, key)
      ) WITH (fillfactor = ${FILLFACTOR})`,
      // The sweeper finds expired rows without scanning live ones.
      `CREATE INDEX kv_expires_at ON ${t.kv} (expires_at) WHERE expires_at IS NOT NULL`,
      `CREATE TABLE ${t.nodes} (
        graph text COLLATE "C" NOT NULL,
        id    text COLLATE "C" NOT NULL,
        type  text COLLATE "C",
        props jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (graph, id)
      ) WITH (fillfactor = ${FILLFACTOR})`,
      `CREATE INDEX nodes_by_type ON ${t.nodes} (graph, type, id)`,
      // Version 2 replaced these foreign keys with a trigger and a lock (below).
      `CREATE TABLE ${t.edges} (
        graph   text COLLATE "C" NOT NULL,
        from_id text COLLATE "C" NOT NULL,
        type    text COLLATE "C" NOT NULL,
        to_id   text COLLATE "C" NOT NULL,
        props   jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (graph, from_id, type, to_id),
        FOREIGN KEY (graph, from_id) REFERENCES ${t.nodes} (graph, id) ON DELETE CASCADE,
        FOREIGN KEY (graph, to_id) REFERENCES ${t.nodes} (graph, id) ON DELETE CASCADE
      ) WITH (fillfactor = ${FILLFACTOR})`,
      // Incoming edges (direction "in"/"both", the cascade on to_id), ordered like neighbors().
      `CREATE INDEX edges_incoming ON ${t.edges} (graph, to_id, type, from_id)`,
      // listEdges({type}).
      `CREATE INDEX edges_by_type ON ${t.edges} (graph, type, from_id, to_id)`,
    ],
    graphWithoutForeignKeys(t),
  ];
}

/**
 * Version 2: the edges' foreign keys checked each inserted edge's two ends one row at a time (1.6 s
 * of a 10k-edge bulk load; README, "Performance"). Edge writes create their missing endpoints
 * themselves, under the graph lock of graph-lock.ts, which keeps a concurrent deleteNodes from
 * leaving an edge behind; the cascade becomes one statement-level trigger deleting the edges of
 * every deleted node at once, with a snapshot taken after the delete got its lock.
 */
function graphWithoutForeignKeys(t: Tables): string[] {
  const cascade = `${t.quotedSchema}.nodes_delete_edges`;
  return [
    `DO $$ DECLARE c record; BEGIN
      FOR c IN SELECT conname FROM pg_constraint
               WHERE conrelid = '${t.edges}'::regclass AND contype = 'f' LOOP
        EXECUTE format('ALTER TABLE ${t.edges} DROP CONSTRAINT %I', c.conname);
      END LOOP;
    END $$`,
    // Two deletes, each along its own index (primary key by from_id, edges_incoming by to_id).
    `CREATE OR REPLACE FUNCTION ${cascade}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM ${t.edges} AS e USING deleted_nodes AS d WHERE e.graph = d.graph AND e.from_id = d.id;
      DELETE FROM ${t.edges} AS e USING deleted_nodes AS d WHERE e.graph = d.graph AND e.to_id = d.id;
      RETURN NULL;
    END $$`,
    `DROP TRIGGER IF EXISTS nodes_delete_edges ON ${t.nodes}`,
    `CREATE TRIGGER nodes_delete_edges AFTER DELETE ON ${t.nodes}
      REFERENCING OLD TABLE AS deleted_nodes FOR EACH STATEMENT EXECUTE FUNCTION ${cascade}()`,
  ];
}

/** The schema version this code writes and reads. */
export function latestVersion(t: Tables): number {
  return migrations(t).length;
}

/** Two-int advisory lock key: a constant class ("stow") and a hash of the schema name. */
const LOCK_CLASS = 0x73746f77;

async function installedVersion(sql: Sql, t: Tables): Promise<number | undefined> {
  const [row] = await sql.unsafe("SELECT to_regclass($1) IS NOT NULL", [t.migrations]).values();
  if (!row?.[0]) return undefined;
  const [max] = await sql.unsafe(`SELECT coalesce(max(version), 0) FROM ${t.migrations}`).values();
  return Number(max?.[0] ?? 0);
}

function tooNew(t: Tables, found: number): StowageError {
  return new StowageError(
    `schema "${t.schema}" is at version ${found}, newer than this @stowage/postgres understands (${latestVersion(t)}): upgrade the package`,
  );
}

/**
 * Creates or upgrades the schema. Fast path without a lock when it is already current; otherwise
 * one transaction holding an advisory lock re-reads the version and applies what is missing.
 */
export async function ensureSchema(sql: Sql, t: Tables): Promise<void> {
  const latest = latestVersion(t);
  const [encoding] = await sql.unsafe("SELECT current_setting('server_encoding')").values();
  if (encoding?.[0] !== "UTF8") {
    throw new StowageError(
      `the database encoding is ${String(encoding?.[0])}: stowage needs a UTF8 database`,
    );
  }
  const found = await installedVersion(sql, t);
  if (found !== undefined && found >= latest) {
    if (found > latest) throw tooNew(t, found);
    return;
  }
  await sql.begin(async (tx) => {
    await tx.unsafe("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, t.schema]);
    await tx.unsafe("SET LOCAL client_min_messages = warning");
    const [exists] = await tx
      .unsafe("SELECT count(*) FROM pg_namespace WHERE nspname = $1", [t.schema])
      .values();
    // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when it exists.
    if (Number(exists?.[0]) === 0) await tx.unsafe(`CREATE SCHEMA ${t.quotedSchema}`);
    await tx.unsafe(
      `CREATE TABLE IF NOT EXISTS ${t.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const [row] = await tx.unsafe(`SELECT coalesce(max(version), 0) FROM ${t.migrations}`).values();
    const current = Number(row?.[0] ?? 0);
    if (current > latest) throw tooNew(t, current);
    const steps = migrations(t);
    for (let version = current + 1; version <= latest; version++) {
      for (const statement of steps[version - 1] ?? []) await tx.unsafe(statement);
      await tx.unsafe(`INSERT INTO ${t.migrations} (version) VALUES ($1)`, [version]);
    }
  });
}
