// Vector part: exact search without extensions. Vectors are `real[]` (float32 exactly), with
// their float64 norm precomputed; the score is computed in SQL (float64 sums over `unnest`) and
// every returned score recomputed by core's `vectorScore`, so all drivers agree to the bit.
// Filters are jsonb tests with the same type-strict meaning as core's `matchesFilter`.
// The two tables are created on first use of a vector method, under an advisory lock.

import {
  type FilterCondition,
  type NodeRecord,
  type VectorCollectionSpec,
  type VectorDriver,
  type VectorRecord,
  type VectorSearch,
  rankRecords,
} from "@stowage/core";
import type { Db, Row } from "./driver.ts";

/** Extra rows fetched past k, so rounding in SQL cannot push a true top-k row out. */
const MARGIN = 16;
/** Advisory lock class of the vector tables ("vect"), beside the schema's own lock. */
const LOCK_CLASS = 0x76656374;

function vectorLiteral(v: Float32Array): string {
  // String(-0) is "0": keep the sign of zero.
  return `{${Array.from(v, (x) => (Object.is(x, -0) ? "-0" : String(x))).join(",")}}`;
}

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

function toVector(value: unknown): Float32Array {
  return Float32Array.from(value as ArrayLike<number | string>, Number);
}

/** The node columns (type, props) after (id, embedding, metadata). */
function nodeOf(row: Row): NodeRecord {
  return {
    id: String(row[0]),
    type: row[3] === null ? null : String(row[3]),
    props: String(row[4]),
  };
}

function toRecord(row: Row): VectorRecord {
  return { id: String(row[0]), vector: toVector(row[1]), metadata: String(row[2]) };
}

const RANGE_SQL = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

/** The filter as `AND …` fragments over `v.metadata`; every value is a parameter. */
export function filterSql(filter: readonly FilterCondition[], params: unknown[]): string {
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  let sql = "";
  for (const c of filter) {
    const field = `(v.metadata -> ${p(c.field)}::text)`;
    // JSON travels as text (`::text::jsonb`): postgres.js would JSON-encode a jsonb parameter again.
    if (c.op === "eq") sql += ` AND ${field} = ${p(JSON.stringify(c.value))}::text::jsonb`;
    else if (c.op === "in")
      sql += ` AND ${field} IN (SELECT jsonb_array_elements(${p(JSON.stringify(c.values))}::text::jsonb))`;
    else if (typeof c.value === "number") {
      sql += ` AND CASE WHEN jsonb_typeof(${field}) = 'number' THEN ${field}::numeric ${RANGE_SQL[c.op]} ${p(String(c.value))}::numeric ELSE false END`;
    } else {
      sql += ` AND CASE WHEN jsonb_typeof(${field}) = 'string' THEN (${field} #>> '{}') COLLATE "C" ${RANGE_SQL[c.op]} ${p(c.value)}::text ELSE false END`;
    }
  }
  return sql;
}

/** SQL score of `v.embedding` against the query array `$q` (norm `$n`), per core's definition. */
function scoreSql(metric: string, q: string, n: string): { sql: string; order: "ASC" | "DESC" } {
  if (metric === "l2") {
    return {
      sql: `sqrt((SELECT sum((a::float8 - b::float8) ^ 2) FROM unnest(v.embedding, ${q}::real[]) AS u(a, b)))`,
      order: "ASC",
    };
  }
  const dot = `(SELECT sum(a::float8 * b::float8) FROM unnest(v.embedding, ${q}::real[]) AS u(a, b))`;
  return { sql: metric === "dot" ? dot : `${dot} / (v.norm * ${n}::float8)`, order: "DESC" };
}

export function createPostgresVectors(db: Db): VectorDriver {
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

  /** Nearest rows first: (id, embedding, metadata, …extra columns). `join` adds its parameters with `p`. */
  const nearestRows = (
    spec: VectorCollectionSpec,
    search: VectorSearch,
    extraColumns: string,
    join: (p: (v: unknown) => string) => string,
  ) => {
    const params: unknown[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const name = p(spec.name);
    const q = p(vectorLiteral(search.vector));
    const score = scoreSql(spec.metric, q, spec.metric === "cosine" ? p(norm(search.vector)) : "");
    const joinSql = join(p);
    const where = filterSql(search.filter, params);
    const limit = p(search.k + MARGIN);
    return query(
      "query vectors",
      `SELECT v.id, v.embedding, v.metadata::text${extraColumns} FROM ${vectors} AS v ${joinSql}
       WHERE v.collection = ${name}${where}
       ORDER BY ${score.sql} ${score.order}, v.id LIMIT ${limit}`,
      params,
    );
  };

  return {
    async ensure(spec) {
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
      return {
        name: spec.name,
        dims: Number(row[0]),
        metric: String(row[1]) as VectorCollectionSpec["metric"],
      };
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
        metric: String(r[2]) as VectorCollectionSpec["metric"],
      }));
    },
    async drop(name) {
      await tables();
      return (
        (await db.execute(
          "drop a vector collection",
          `DELETE FROM ${collections} WHERE name = $1`,
          [name],
        )) > 0
      );
    },
    async upsert(spec, records) {
      await tables();
      // The collection row may have been dropped by another store meanwhile: recreate it.
      await db.execute(
        "upsert vectors",
        `WITH c AS (INSERT INTO ${collections} (name, dims, metric) VALUES ($1, $6, $7) ON CONFLICT (name) DO NOTHING)
         INSERT INTO ${vectors} (collection, id, embedding, norm, metadata)
         SELECT $1, i, e::real[], n, m::jsonb FROM unnest($2::text[], $3::text[], $4::float8[], $5::text[]) AS u(i, e, n, m)
         ON CONFLICT (collection, id) DO UPDATE SET embedding = excluded.embedding, norm = excluded.norm, metadata = excluded.metadata`,
        [
          spec.name,
          records.map((r) => r.id),
          records.map((r) => vectorLiteral(r.vector)),
          records.map((r) => norm(r.vector)),
          records.map((r) => r.metadata),
          spec.dims,
          spec.metric,
        ],
      );
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
      return db.execute(
        "delete vectors",
        `DELETE FROM ${vectors} WHERE collection = $1 AND id = ANY($2::text[])`,
        [spec.name, ids],
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
      await db.execute("clear vectors", `DELETE FROM ${vectors} WHERE collection = $1`, [
        spec.name,
      ]);
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
      return rankRecords(
        spec.metric,
        search,
        (await nearestRows(spec, search, "", () => "")).map(toRecord),
      );
    },
    async nearestNodes(spec, graph, search, type) {
      const join = (p: (v: unknown) => string) =>
        `JOIN ${db.t.nodes} AS n ON n.graph = ${p(graph)} AND n.id = v.id${type === undefined ? "" : ` AND n.type = ${p(type)}`}`;
      const rows = await nearestRows(spec, search, ", n.type, n.props::text", join);
      const withNodes = rows.map((row) => ({ ...toRecord(row), node: nodeOf(row) }));
      return rankRecords(spec.metric, search, withNodes);
    },
  };
}
