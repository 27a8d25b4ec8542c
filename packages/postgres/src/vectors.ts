// Vector part. Vectors are `real[]` (float32 exactly), with their float64 norm precomputed; the
// exact score is computed in SQL (float64 sums over `unnest`) and every returned score recomputed
// by core's `vectorScore`, so all drivers agree to the bit. Filters are jsonb tests with the same
// type-strict meaning as core's `matchesFilter`. The two tables are created on first use of a
// vector method, under an advisory lock. With `vectorIndex: "hnsw"`, unfiltered non-exact
// queries go through pgvector's HNSW index (see pgvector.ts); everything else stays exact.

import {
  compareUtf8,
  type NodeRecord,
  rankRecords,
  type VectorCollectionSpec,
  type VectorDriver,
  type VectorRecord,
  type VectorSearch,
} from "@stowage/core";
import type { Db, Row } from "./driver.ts";
import { rowsOf } from "./driver.ts";
import { type TraversalSql, traversalRecords } from "./graph.ts";
import { createHnswIndex, hnswTableName } from "./pgvector.ts";
import {
  filterSql,
  copyPayload,
  nodeOf,
  norm,
  scoreSql,
  toRecord,
  toVector,
  vectorLiteral,
} from "./vector-sql.ts";

/** Extra rows fetched past k, so rounding in SQL cannot push a true top-k row out. */
const MARGIN = 16;
/** Advisory lock class of the vector tables ("vect"), beside the schema's own lock. */
const LOCK_CLASS = 0x76656374;
/** Batches with more components than this travel through COPY (binary) instead of literals. */
const COPY_ABOVE = 4096;
/** The temporary table a COPY fills (per connection; emptied at each commit). */
const COPY_TABLE = "pg_temp.stowage_vector_batch";

export interface PostgresVectorOptions {
  /** "hnsw": approximate search through pgvector (see pgvector.ts); undefined: exact only. */
  readonly index: "hnsw" | undefined;
  /** The graph part's traversal statement builder (traverseFromNearest seeds it). */
  readonly traversal: TraversalSql;
}

type Spec = VectorCollectionSpec;

function push(params: unknown[]): (value: unknown) => string {
  return (value) => {
    params.push(value);
    return `$${params.length}`;
  };
}

export function createPostgresVectors(db: Db, options: PostgresVectorOptions): VectorDriver {
  const s = db.t.quotedSchema;
  const collections = `${s}.vector_collections`;
  const vectors = `${s}.vectors`;
  let tablesReady: Promise<void> | undefined;

  const tables = (): Promise<void> => {
    tablesReady ??= db
      .execute(
        "create vector tables",
        // One statement, so one transaction: the lock makes concurrent first uses safe.
        `DO $$ BEGIN
          PERFORM pg_advisory_xact_lock(${LOCK_CLASS}, hashtext('${db.t.schema}'));
          CREATE TABLE IF NOT EXISTS ${collections} (
            name text COLLATE "C" PRIMARY KEY,
            dims integer NOT NULL,
            metric text NOT NULL
          );
          CREATE TABLE IF NOT EXISTS ${vectors} (
            collection text COLLATE "C" NOT NULL REFERENCES ${collections} (name) ON DELETE CASCADE,
            id text COLLATE "C" NOT NULL,
            embedding real[] NOT NULL,
            norm float8 NOT NULL,
            metadata jsonb NOT NULL,
            PRIMARY KEY (collection, id)
          );
        END $$`,
        [],
      )
      .then(
        () => undefined,
        (error: unknown) => {
          tablesReady = undefined;
          throw error;
        },
      );
    return tablesReady;
  };

  const query = async (what: string, text: string, params: unknown[]): Promise<Row[]> => {
    await tables();
    return db.query(what, text, params);
  };

  const index = createHnswIndex(db, {
    enabled: options.index === "hnsw",
    vectors,
    lockClass: LOCK_CLASS,
    tables,
  });
  const { indexed, table: hnswTable, withIndex: withHnsw } = index;

  /**
   * SELECT of the exact nearest rows, nearest first, k + MARGIN of them: (id, embedding,
   * metadata[, type, props], score). `name` is the collection's parameter; with `nodes`, only
   * vectors that are nodes of that graph (of that type) count.
   */
  const nearestSelect = (
    spec: Spec,
    search: VectorSearch,
    params: unknown[],
    name: string,
    nodes?: { graph: string; type: string | undefined },
  ) => {
    const p = push(params);
    const q = p(vectorLiteral(search.vector));
    const score = scoreSql(spec.metric, q, spec.metric === "cosine" ? p(norm(search.vector)) : "");
    const join = nodes
      ? `JOIN ${db.t.nodes} AS n ON n.graph = ${nodes.graph} AND n.id = v.id${nodes.type === undefined ? "" : ` AND n.type = ${p(nodes.type)}`}`
      : "";
    const where = filterSql(search.filter, params);
    const limit = p(search.k + MARGIN);
    return {
      order: score.order,
      sql: `SELECT v.id, v.embedding, v.metadata::text AS metadata${nodes ? ", n.type, n.props::text AS props" : ""},
        ${score.sql} AS score
        FROM ${vectors} AS v ${join}
        WHERE v.collection = ${name}${where}
        ORDER BY score ${score.order}, v.id LIMIT ${limit}`,
    };
  };

  return {
    async ensure(spec) {
      if (options.index === "hnsw") await index.extension(); // without pgvector: fails here, clearly
      const rows = await query(
        "create a vector collection",
        `WITH ins AS (INSERT INTO ${collections} (name, dims, metric) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING dims, metric)
         SELECT dims, metric FROM ins UNION ALL SELECT dims, metric FROM ${collections} WHERE name = $1`,
        [spec.name, spec.dims, spec.metric],
      );
      // A concurrent first use may have inserted the row after this statement's snapshot.
      const row = (rows[0] ??
        (
          await query(
            "create a vector collection",
            `SELECT dims, metric FROM ${collections} WHERE name = $1`,
            [spec.name],
          )
        )[0]) as Row;
      const stored: Spec = {
        name: spec.name,
        dims: Number(row[0]),
        metric: String(row[1]) as Spec["metric"],
      };
      if (indexed(stored)) await index.ensure(stored);
      return stored;
    },
    async collections() {
      const rows = await query(
        "list vector collections",
        `SELECT name, dims, metric FROM ${collections} ORDER BY name`,
        [],
      );
      return rows.map((r) => ({
        name: String(r[0]),
        dims: Number(r[1]),
        metric: String(r[2]) as Spec["metric"],
      }));
    },
    async drop(name) {
      await tables();
      index.forget(name);
      // The companion table goes too (whatever this driver's option), so a collection made
      // again under the same name never meets a stale copy.
      const table = `${s}.${hnswTableName(name)}`;
      return db.transaction("drop a vector collection", async (q) => {
        const rows = await q(`DELETE FROM ${collections} WHERE name = $1 RETURNING 1`, [name]);
        await q(`DROP TABLE IF EXISTS ${table}`, []);
        return rows.length > 0;
      });
    },
    async upsert(spec, records) {
      await tables();
      const sorted = [...records].sort((a, b) => compareUtf8(a.id, b.id));
      // Small batches: one statement over arrays, each vector a `real[]` literal. Larger ones go
      // in binary through COPY into a temporary table, which the same statement then reads.
      const copied = sorted.length * spec.dims > COPY_ABOVE;
      const statement = (ext?: string) => {
        const params: unknown[] = [spec.name, spec.dims, spec.metric];
        const source = copied
          ? `${COPY_TABLE} AS u`
          : rowsOf(params, "u", [
              ["id", "text", sorted.map((r) => r.id)],
              ["norm", "float8", sorted.map((r) => norm(r.vector))],
              ["metadata", "text", sorted.map((r) => r.metadata)],
              ["embedding", "text", sorted.map((r) => vectorLiteral(r.vector))],
            ]);
        const embedding = copied ? "u.embedding" : "u.embedding::real[]";
        // The collection row may have been dropped by another store meanwhile: recreate it.
        // With an HNSW index, its companion table is written in the same statement.
        const companion = ext
          ? `, h AS (INSERT INTO ${hnswTable(spec)} (id, embedding)
               SELECT u.id, ${embedding}::${ext}.vector FROM ${source}
               ON CONFLICT (id) DO UPDATE SET embedding = excluded.embedding)`
          : "";
        return {
          params,
          text: `WITH c AS (INSERT INTO ${collections} (name, dims, metric) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING)${companion}
           INSERT INTO ${vectors} (collection, id, embedding, norm, metadata)
           SELECT $1, u.id, ${embedding}, u.norm, u.metadata::jsonb FROM ${source}
           ON CONFLICT (collection, id) DO UPDATE SET embedding = excluded.embedding, norm = excluded.norm, metadata = excluded.metadata`,
        };
      };
      const run = async (ext?: string) => {
        const { text, params } = statement(ext);
        if (!copied) {
          await db.execute("upsert vectors", text, params);
          return;
        }
        const payload = copyPayload(sorted);
        await db.transaction("upsert vectors", async (q, copy) => {
          // The temporary table lives as long as the connection; its rows until the commit.
          await q(
            `DO $$ BEGIN IF to_regclass('${COPY_TABLE}') IS NULL THEN
               CREATE TEMPORARY TABLE ${COPY_TABLE.slice("pg_temp.".length)} (
                 id text COLLATE "C" NOT NULL, norm float8 NOT NULL, metadata text NOT NULL, embedding real[] NOT NULL
               ) ON COMMIT DELETE ROWS;
             END IF; END $$`,
            [],
          );
          await copy(
            `COPY ${COPY_TABLE} (id, norm, metadata, embedding) FROM STDIN (FORMAT binary)`,
            payload,
          );
          await q(text, params);
        });
      };
      if (indexed(spec)) await withHnsw(spec, run);
      else await run();
    },
    async get(spec, ids) {
      const rows = await query(
        "read vectors",
        `SELECT id, embedding, metadata::text FROM ${vectors} WHERE collection = $1 AND id = ANY($2::text[])`,
        [spec.name, ids],
      );
      const byId = new Map(rows.map((r) => [String(r[0]), r]));
      return ids.map((id) => {
        const row = byId.get(id);
        return row && toRecord(row);
      });
    },
    async delete(spec, ids) {
      await tables();
      const text = (companion: string) =>
        `${companion}DELETE FROM ${vectors} WHERE collection = $1 AND id = ANY($2::text[])`;
      if (!indexed(spec)) return db.execute("delete vectors", text(""), [spec.name, ids]);
      return withHnsw(spec, () =>
        db.execute(
          "delete vectors",
          text(`WITH h AS (DELETE FROM ${hnswTable(spec)} WHERE id = ANY($2::text[])) `),
          [spec.name, ids],
        ),
      );
    },
    async count(spec) {
      const rows = await query(
        "count vectors",
        `SELECT count(*) FROM ${vectors} WHERE collection = $1`,
        [spec.name],
      );
      return Number(rows[0]?.[0] ?? 0);
    },
    async clear(spec) {
      await tables();
      const text = (companion: string) =>
        `${companion}DELETE FROM ${vectors} WHERE collection = $1`;
      if (!indexed(spec)) {
        await db.execute("clear vectors", text(""), [spec.name]);
        return;
      }
      await withHnsw(spec, () =>
        db.execute("clear vectors", text(`WITH h AS (DELETE FROM ${hnswTable(spec)}) `), [
          spec.name,
        ]),
      );
    },
    async list(spec, q) {
      const rows = await query(
        "list vectors",
        `SELECT id, embedding, metadata::text FROM ${vectors} WHERE collection = $1 AND id > $2 ORDER BY id LIMIT $3`,
        [spec.name, q.after ?? "", q.limit],
      );
      return rows.map(toRecord);
    },
    async query(spec, search) {
      // Filters and `exact` stay exact: the index knows no metadata (see the README).
      if (indexed(spec) && !search.exact && search.filter.length === 0) {
        return rankRecords(
          spec.metric,
          search,
          (await index.nearest(spec, search, MARGIN)).map(toRecord),
        );
      }
      const params: unknown[] = [spec.name];
      const nearest = nearestSelect(spec, search, params, "$1");
      return rankRecords(
        spec.metric,
        search,
        (await query("query vectors", nearest.sql, params)).map(toRecord),
      );
    },
    async nearestNodes(spec, graph, search, type) {
      const params: unknown[] = [spec.name, graph];
      const nearest = nearestSelect(spec, search, params, "$1", { graph: "$2", type });
      const rows = await query("find nearest nodes", nearest.sql, params);
      const withNodes = rows.map((row) => ({ ...toRecord(row), node: nodeOf(row) }));
      return rankRecords(spec.metric, search, withNodes);
    },
    async traverseFromNearest(spec, graph, search, type, traverseQuery) {
      // One statement: the exact nearest nodes (a CTE, `seed` marking the first k) seed the
      // graph part's traversal; the candidates come back as rows "s" (node) and "v" (vector).
      const params: unknown[] = [graph, spec.name];
      const text = options.traversal(
        traverseQuery,
        params,
        "ARRAY(SELECT id FROM nearest WHERE seed)",
        () => {
          const nearest = nearestSelect(spec, search, params, "$2", { graph: "$1", type });
          return `nearest AS MATERIALIZED (
            SELECT x.*, row_number() OVER (ORDER BY x.score ${nearest.order}, x.id) <= ${push(params)(search.k)} AS seed
            FROM (${nearest.sql}) AS x
          ), `;
        },
      );
      const rows = await query(
        "traverse from nearest nodes",
        `${text}
        UNION ALL SELECT 's', CASE WHEN x.seed THEN 1 ELSE 0 END, x.id, x.type, x.metadata, x.props FROM nearest AS x
        UNION ALL SELECT 'v', NULL, x.id, NULL, x.embedding::text, NULL FROM nearest AS x`,
        params,
      );
      const vectorOf = new Map<string, Float32Array>();
      for (const row of rows) if (row[0] === "v") vectorOf.set(String(row[2]), toVector(row[4]));
      const sqlSeeds: string[] = [];
      const candidates: Array<VectorRecord & { node: NodeRecord }> = [];
      for (const [kind, seed, id, nodeType, metadata, props] of rows) {
        if (kind !== "s") continue;
        if (Number(seed) === 1) sqlSeeds.push(String(id));
        candidates.push({
          id: String(id),
          vector: vectorOf.get(String(id)) as Float32Array,
          metadata: String(metadata),
          node: {
            id: String(id),
            type: nodeType === null ? null : String(nodeType),
            props: String(props),
          },
        });
      }
      const seeds = rankRecords(spec.metric, search, candidates);
      const ids = seeds.map((h) => h.id).sort(compareUtf8);
      if (ids.join("\u0000") === sqlSeeds.sort(compareUtf8).join("\u0000")) {
        return { seeds, traversal: traversalRecords(rows) };
      }
      // SQL and core ranked the k-th place differently (float rounding): traverse core's seeds.
      const again: unknown[] = [graph, ids];
      const traversal = traversalRecords(
        await query("traverse", options.traversal(traverseQuery, again, "$2::text[]"), again),
      );
      return { seeds, traversal };
    },
  };
}
