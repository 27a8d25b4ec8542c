// Vector part: one table per collection, `stowage_vec_<n>` (n from the registry, never a user
// string) with an `F32_BLOB(dims)` column, and (option `vectorIndex`) for cosine and l2 a
// `libsql_vector_idx` index (DiskANN) that `vector_top_k` searches approximately. Exact search orders by
// `vector_distance_cos` / `vector_distance_l2` in SQL (dot product: scored in JavaScript over
// the filtered rows); every returned score is recomputed by core's `vectorScore`.

import type { Client, InStatement, InValue, Row } from "@libsql/client";
import {
  bytesToFloat32,
  type FilterCondition,
  type FilterScalar,
  type NodeRecord,
  type VectorCollectionSpec,
  type VectorDriver,
  type VectorRecord,
  type VectorSearch,
  rankRecords,
} from "@stowage/core";
import type { Connection } from "./driver.ts";

/** Below this many vectors a query is exact even without `exact: true`. */
export const EXACT_BELOW = 1000;
/** Extra rows fetched past k, so float32 ordering in SQL cannot push a true top-k row out. */
const MARGIN = 16;

const REGISTRY = `CREATE TABLE IF NOT EXISTS stowage_vector_collections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  dims INTEGER NOT NULL,
  metric TEXT NOT NULL
)`;

interface Stored extends VectorCollectionSpec {
  /** Registry id: the table is `stowage_vec_<id>`. */
  readonly id: number;
}

/** Table and index names come from the registry's integer id only. */
function table(s: Stored): string {
  return `stowage_vec_${Math.trunc(s.id)}`;
}

function distanceFn(metric: string): string | undefined {
  return metric === "cosine"
    ? "vector_distance_cos"
    : metric === "l2"
      ? "vector_distance_l2"
      : undefined;
}

/** Float32 bytes as hex: exact to the bit (-0 included), unlike decimal text. */
function vectorHex(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
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
  return {
    id: String(row[0]),
    vector: bytesToFloat32(row[1] as ArrayBuffer),
    metadata: String(row[2]),
  };
}

/** SQL for one scalar test on `j` (a json_each row), type-strict like core's `matchesFilter`. */
function scalarSql(value: FilterScalar, args: InValue[]): string {
  if (value === null) return "j.type = 'null'";
  if (value === true) return "j.type = 'true'";
  if (value === false) return "j.type = 'false'";
  args.push(value);
  return typeof value === "number"
    ? "(j.type IN ('integer', 'real') AND j.value = ?)"
    : "(j.type = 'text' AND j.value = ?)";
}

const RANGE_SQL = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

/** The filter as `AND EXISTS (…)` fragments over `<alias>.metadata`; values as parameters. */
export function filterSql(
  filter: readonly FilterCondition[],
  alias: string,
  args: InValue[],
): string {
  let sql = "";
  for (const c of filter) {
    args.push(c.field);
    let pred: string;
    if (c.op === "eq") pred = scalarSql(c.value, args);
    else if (c.op === "in") pred = c.values.map((v) => scalarSql(v, args)).join(" OR ");
    else {
      args.push(c.value);
      const type =
        typeof c.value === "number" ? "j.type IN ('integer', 'real')" : "j.type = 'text'";
      pred = `${type} AND j.value ${RANGE_SQL[c.op]} ?`;
    }
    sql += ` AND EXISTS (SELECT 1 FROM json_each(${alias}.metadata) AS j WHERE j.key = ? AND (${pred}))`;
  }
  return sql;
}

/**
 * `index`: give cosine and l2 collections a `libsql_vector_idx` (DiskANN) and let unfiltered,
 * non-exact queries on collections of EXACT_BELOW vectors or more use `vector_top_k`. Off by
 * default: measured here on 10k x 384 random vectors, inserts cost ~10 ms each and recall@10 was
 * about 0.3 (README, "Vectors").
 */
export function createLibsqlVectors(connection: Connection, index: boolean): VectorDriver {
  const known = new Map<string, Stored>();
  let registryReady = false;

  const registry = async (c: Client) => {
    if (registryReady) return;
    await c.execute(REGISTRY);
    registryReady = true;
  };

  const lookup = async (c: Client, name: string): Promise<Stored | undefined> => {
    await registry(c);
    const rs = await c.execute({
      sql: "SELECT id, name, dims, metric FROM stowage_vector_collections WHERE name = ?",
      args: [name],
    });
    const row = rs.rows[0];
    return (
      row && {
        id: Number(row[0]),
        name: String(row[1]),
        dims: Number(row[2]),
        metric: String(row[3]) as Stored["metric"],
      }
    );
  };

  const ensure = async (c: Client, spec: VectorCollectionSpec): Promise<Stored> => {
    const cached = known.get(spec.name);
    if (cached && cached.dims === spec.dims && cached.metric === spec.metric) return cached;
    await registry(c);
    await c.execute({
      sql: "INSERT INTO stowage_vector_collections (name, dims, metric) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
      args: [spec.name, spec.dims, spec.metric],
    });
    const stored = (await lookup(c, spec.name)) as Stored;
    if (stored.dims === spec.dims && stored.metric === spec.metric) {
      const t = table(stored);
      const ddl: InStatement[] = [
        `CREATE TABLE IF NOT EXISTS ${t} (id TEXT NOT NULL UNIQUE, embedding F32_BLOB(${Math.trunc(stored.dims)}) NOT NULL, metadata TEXT NOT NULL)`,
      ];
      if (index && stored.metric !== "dot") {
        ddl.push(
          `CREATE INDEX IF NOT EXISTS ${t}_idx ON ${t} (libsql_vector_idx(embedding, 'metric=${stored.metric === "l2" ? "l2" : "cosine"}'))`,
        );
      }
      await c.batch(ddl, "write");
      known.set(spec.name, stored);
    }
    return stored;
  };

  /** Runs `fn` on the collection's table; once more after re-reading the registry if it vanished. */
  const withTable = <T>(
    spec: VectorCollectionSpec,
    fn: (c: Client, s: Stored) => Promise<T>,
  ): Promise<T> =>
    connection.use(async (c) => {
      try {
        return await fn(c, await ensure(c, spec));
      } catch (error) {
        if (!/no such table: stowage_vec_/i.test(String((error as Error)?.message))) throw error;
        known.delete(spec.name);
        return fn(c, await ensure(c, spec));
      }
    });

  const exactRows = async (
    c: Client,
    s: Stored,
    search: VectorSearch,
    from: string,
    select: string,
    join: string,
    joinArgs: InValue[],
  ) => {
    const args: InValue[] = [...joinArgs];
    const where = filterSql(search.filter, "v", args);
    const fn = distanceFn(s.metric);
    if (!fn) {
      // No SQL dot product: score the filtered rows here.
      return (
        await c.execute({ sql: `SELECT ${select} FROM ${from} AS v ${join} WHERE 1${where}`, args })
      ).rows;
    }
    args.push(
      new Uint8Array(
        search.vector.buffer,
        search.vector.byteOffset,
        search.vector.byteLength,
      ).slice(),
      search.k + MARGIN,
    );
    const sql = `SELECT ${select} FROM ${from} AS v ${join} WHERE 1${where} ORDER BY ${fn}(v.embedding, vector32(?)), v.id LIMIT ?`;
    return (await c.execute({ sql, args })).rows;
  };

  return {
    ensure: (spec) => connection.use((c) => ensure(c, spec)),
    collections: () =>
      connection.use(async (c) => {
        await registry(c);
        const rs = await c.execute(
          "SELECT name, dims, metric FROM stowage_vector_collections ORDER BY name",
        );
        return rs.rows.map((r) => ({
          name: String(r[0]),
          dims: Number(r[1]),
          metric: String(r[2]) as Stored["metric"],
        }));
      }),
    drop: (name) =>
      connection.use(async (c) => {
        known.delete(name);
        const stored = await lookup(c, name);
        if (!stored) return false;
        await c.batch(
          [
            { sql: "DELETE FROM stowage_vector_collections WHERE id = ?", args: [stored.id] },
            `DROP TABLE IF EXISTS ${table(stored)}`,
          ],
          "write",
        );
        return true;
      }),
    upsert: (spec, records) =>
      withTable(spec, async (c, s) => {
        const rows = JSON.stringify(records.map((r) => [r.id, vectorHex(r.vector), r.metadata]));
        await c.execute({
          sql: `INSERT INTO ${table(s)} (id, embedding, metadata)
                SELECT value ->> 0, vector32(unhex(value ->> 1)), value ->> 2 FROM json_each(?) WHERE true
                ON CONFLICT (id) DO UPDATE SET embedding = excluded.embedding, metadata = excluded.metadata`,
          args: [rows],
        });
      }),
    get: (spec, ids) =>
      withTable(spec, async (c, s) => {
        const rs = await c.execute({
          sql: `SELECT id, embedding, metadata FROM ${table(s)} WHERE id IN (SELECT value FROM json_each(?))`,
          args: [JSON.stringify(ids)],
        });
        const byId = new Map(rs.rows.map((r) => [String(r[0]), r]));
        return ids.map((id) => {
          const row = byId.get(id);
          return row && toRecord(row);
        });
      }),
    delete: (spec, ids) =>
      withTable(spec, async (c, s) => {
        const rs = await c.execute({
          sql: `DELETE FROM ${table(s)} WHERE id IN (SELECT value FROM json_each(?))`,
          args: [JSON.stringify(ids)],
        });
        return rs.rowsAffected;
      }),
    count: (spec) =>
      withTable(spec, async (c, s) =>
        Number((await c.execute(`SELECT count(*) FROM ${table(s)}`)).rows[0]?.[0] ?? 0),
      ),
    clear: (spec) =>
      withTable(spec, async (c, s) => {
        await c.execute(`DELETE FROM ${table(s)}`);
      }),
    list: (spec, q) =>
      withTable(spec, async (c, s) => {
        const rs = await c.execute({
          sql: `SELECT id, embedding, metadata FROM ${table(s)} WHERE id > ? ORDER BY id LIMIT ?`,
          args: [q.after ?? "", q.limit],
        });
        return rs.rows.map(toRecord);
      }),
    query: (spec, search) =>
      withTable(spec, async (c, s) => {
        const t = table(s);
        const select = "v.id, v.embedding, v.metadata";
        if (index && !search.exact && search.filter.length === 0 && s.metric !== "dot") {
          const big = await c.execute(
            `SELECT count(*) FROM (SELECT 1 FROM ${t} LIMIT ${EXACT_BELOW})`,
          );
          if (Number(big.rows[0]?.[0]) >= EXACT_BELOW) {
            const blob = new Uint8Array(
              search.vector.buffer,
              search.vector.byteOffset,
              search.vector.byteLength,
            ).slice();
            const rs = await c.execute({
              sql: `SELECT ${select} FROM vector_top_k('${t}_idx', vector32(?), ?) AS k JOIN ${t} AS v ON v.rowid = k.id`,
              args: [blob, search.k],
            });
            return rankRecords(s.metric, search, rs.rows.map(toRecord));
          }
        }
        return rankRecords(
          s.metric,
          search,
          (await exactRows(c, s, search, t, select, "", [])).map(toRecord),
        );
      }),
    nearestNodes: (spec, graph, search, type) =>
      withTable(spec, async (c, s) => {
        const join = `JOIN stowage_nodes AS n ON n.graph = ? AND n.id = v.id${type === undefined ? "" : " AND n.type = ?"}`;
        const joinArgs: InValue[] = type === undefined ? [graph] : [graph, type];
        const rows = await exactRows(
          c,
          s,
          search,
          table(s),
          "v.id, v.embedding, v.metadata, n.type, n.props",
          join,
          joinArgs,
        );
        const withNodes = rows.map((row) => ({ ...toRecord(row), node: nodeOf(row) }));
        return rankRecords(s.metric, search, withNodes);
      }),
  };
}
