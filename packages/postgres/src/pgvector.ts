// The opt-in approximate path (driver option `vectorIndex: "hnsw"`) over the pgvector extension.
// Each collection gets a companion table of its own, `vector_hnsw_<hash of its name>`, holding a
// `vector(dims)` copy of every vector with an HNSW index for the collection's metric; the
// `vectors` table stays the record (get, list, exact search, filters). A query takes the nearest
// rows from the index, then the driver re-ranks them exactly (core's `rankRecords`).

import { createHash } from "node:crypto";
import {
  UnsupportedError,
  type VectorCollectionSpec,
  type VectorMetric,
  type VectorSearch,
} from "@stowage/core";
import type { Db, Row } from "./driver.ts";
import { vectorLiteral } from "./vector-sql.ts";

type Spec = VectorCollectionSpec;

/** SQLSTATE undefined_table: a companion table dropped by another store meanwhile. */
const UNDEFINED_TABLE = "42P01";

/** HNSW build parameters: pgvector's default m, a larger ef_construction for a better graph. */
export const HNSW_M = 16;
export const HNSW_EF_CONSTRUCTION = 128;
/** Most dimensions pgvector's HNSW index takes for `vector`; larger collections stay exact. */
export const HNSW_MAX_DIMS = 2000;
/**
 * `hnsw.ef_search` of every query: pgvector's maximum (its default is 40). The index returns at
 * most ef_search rows, and a longer search list finds more of the true nearest. Measured here on
 * 10k × 384 uniformly random vectors (the kit's recall case, the hardest kind of data for a
 * graph index): recall@10 0.29 at 40, 0.55 at 100, 0.935–0.96 at 400, 1.0 at 1000.
 */
export const EF_SEARCH = 1000;

/** Operator class and distance operator per metric (every distance ascends: `<#>` is -dot). */
const METRIC_OPS: Readonly<Record<VectorMetric, readonly [opclass: string, operator: string]>> = {
  cosine: ["vector_cosine_ops", "<=>"],
  l2: ["vector_l2_ops", "<->"],
  dot: ["vector_ip_ops", "<#>"],
};

export function opsOf(metric: VectorMetric): readonly [opclass: string, operator: string] {
  return METRIC_OPS[metric];
}

/** The companion table's name: generated (hex of a hash), never the user's string. */
export function hnswTableName(collection: string): string {
  return `vector_hnsw_${createHash("sha256").update(collection).digest("hex").slice(0, 24)}`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The statement finding pgvector: its schema and version, or no row. */
export const FIND_PGVECTOR = `SELECT n.nspname, e.extversion FROM pg_extension AS e
  JOIN pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`;

/** The quoted schema of pgvector's types and operators, or an UnsupportedError saying what to do. */
export function pgvectorSchema(rows: readonly Row[]): string {
  const row = rows[0];
  if (!row) {
    throw new UnsupportedError(
      'the postgres driver\'s option vectorIndex: "hnsw" needs the pgvector extension, and this ' +
        "database does not have it: install pgvector on the server and run CREATE EXTENSION vector " +
        "in the database (or leave vectorIndex unset for exact search without extensions)",
    );
  }
  const [major = 0, minor = 0] = String(row[1]).split(".").map(Number);
  if (major === 0 && minor < 5) {
    throw new UnsupportedError(
      `the postgres driver's option vectorIndex: "hnsw" needs pgvector 0.5 or later (HNSW indexes); this database has ${String(row[1])}`,
    );
  }
  return quoteIdent(String(row[0]));
}

/** The HNSW side of the vector part: companion tables, their creation, approximate queries. */
export function createHnswIndex(
  db: Db,
  options: {
    /** The option vectorIndex: "hnsw" is on. */
    readonly enabled: boolean;
    /** The quoted `vectors` table (the record). */
    readonly vectors: string;
    /** The advisory lock class of the vector tables. */
    readonly lockClass: number;
    /** Creates the vector tables when missing. */
    readonly tables: () => Promise<void>;
  },
) {
  /** pgvector's quoted schema, looked up on first use. */
  let pgvector: Promise<string> | undefined;
  /** Collections whose companion table this driver has seen or made. */
  const ready = new Map<string, Promise<void>>();

  const extension = (): Promise<string> => {
    if (!pgvector) {
      const found = db.query("find pgvector", FIND_PGVECTOR, []).then(pgvectorSchema);
      pgvector = found;
      found.catch(() => {
        // Look again next time: the extension may be created meanwhile.
        if (pgvector === found) pgvector = undefined;
      });
    }
    return pgvector;
  };

  /** Whether queries of this collection may use an HNSW index. */
  const indexed = (spec: Spec): boolean => options.enabled && spec.dims <= HNSW_MAX_DIMS;
  const table = (spec: Spec): string => `${db.t.quotedSchema}.${hnswTableName(spec.name)}`;

  /**
   * Creates the collection's companion table when missing, filled from the vectors table, with
   * its HNSW index (built after the fill: faster than inserting into the index row by row).
   */
  const create = async (spec: Spec): Promise<void> => {
    const ext = await extension();
    const name = table(spec);
    await options.tables();
    await db.transaction("create a vector index", async (q) => {
      await q(`SELECT pg_advisory_xact_lock(${options.lockClass}, hashtext($1))`, [db.t.schema]);
      const [exists] = await q("SELECT to_regclass($1) IS NOT NULL", [name]);
      if (exists?.[0] === true) return;
      await q(
        `CREATE TABLE ${name} (id text COLLATE "C" PRIMARY KEY, embedding ${ext}.vector(${spec.dims}) NOT NULL)`,
        [],
      );
      await q(
        `INSERT INTO ${name} (id, embedding) SELECT id, embedding::${ext}.vector FROM ${options.vectors} WHERE collection = $1`,
        [spec.name],
      );
      await q(
        `CREATE INDEX ON ${name} USING hnsw (embedding ${ext}.${opsOf(spec.metric)[0]})
         WITH (m = ${HNSW_M}, ef_construction = ${HNSW_EF_CONSTRUCTION})`,
        [],
      );
    });
  };

  /** Creates the collection's companion table once per driver (again after a failure). */
  const ensure = (spec: Spec): Promise<void> => {
    let done = ready.get(spec.name);
    if (!done) {
      done = create(spec);
      ready.set(spec.name, done);
      done.catch(() => ready.delete(spec.name));
    }
    return done;
  };

  /** Runs `fn` once the companion table exists; again if another store dropped it meanwhile. */
  const withIndex = async <T>(spec: Spec, fn: (ext: string) => Promise<T>): Promise<T> => {
    await ensure(spec);
    try {
      return await fn(await extension());
    } catch (error) {
      if ((error as { code?: unknown })?.code !== UNDEFINED_TABLE) throw error;
      ready.delete(spec.name);
      await ensure(spec);
      return fn(await extension());
    }
  };

  /**
   * Up to k + margin rows (id, embedding, metadata) from the HNSW index, in one statement: the
   * CTE sets `hnsw.ef_search` for this statement's transaction (set_config(…, true)) and runs
   * before the index scan, whose ordering operand is read from it.
   */
  const nearest = (spec: Spec, search: VectorSearch, margin: number): Promise<Row[]> =>
    withIndex(spec, (ext) => {
      // The index returns at most ef_search rows (at least k: k <= 1000).
      const limit = Math.min(search.k + margin, EF_SEARCH);
      return db.query(
        "query vectors",
        `WITH cfg AS MATERIALIZED (SELECT set_config('hnsw.ef_search', $3, true) AS ef)
         SELECT v.id, v.embedding, v.metadata::text
         FROM (SELECT a.id FROM ${table(spec)} AS a
               ORDER BY a.embedding OPERATOR(${ext}.${opsOf(spec.metric)[1]})
                        (SELECT $2::real[]::${ext}.vector FROM cfg WHERE cfg.ef IS NOT NULL)
               LIMIT $4) AS c
         JOIN ${options.vectors} AS v ON v.collection = $1 AND v.id = c.id`,
        [spec.name, vectorLiteral(search.vector), String(EF_SEARCH), limit],
      );
    });

  return {
    extension,
    indexed,
    table,
    ensure,
    withIndex,
    nearest,
    /** Forgets a dropped collection's table. */
    forget: (name: string) => ready.delete(name),
  };
}
