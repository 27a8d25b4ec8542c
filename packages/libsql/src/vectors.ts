// Vector part: one table per collection, `stowage_vec_<n>` (n from the registry, never a user
// string) with an `F32_BLOB(dims)` column, and (option `vectorIndex`) for cosine and l2 a
// `libsql_vector_idx` index (DiskANN). Exact search orders by `vector_distance_cos` /
// `vector_distance_l2` in SQL (dot product: scored in JavaScript over the filtered rows); the
// approximate path (approximate.ts) oversamples `vector_top_k` and re-ranks exactly. Every
// returned score is recomputed by core's `vectorScore`.

import type { Client, InStatement, InValue, Row } from "@libsql/client";
import {
  bytesToFloat32,
  compareUtf8,
  type NodeRecord,
  rankRecords,
  type TraverseQuery,
  type TraverseRecords,
  type VectorCollectionSpec,
  type VectorDriver,
  type VectorRecord,
  type VectorSearch,
} from "@stowage/core";
import type { Connection } from "./driver.ts";
import { queryRows } from "./sql.ts";
import { traverseSql } from "./traverse.ts";
import { approximateSql, INDEX_SETTINGS, useIndex } from "./vector-approximate.ts";
import { binder, distanceFn, filterSql, vectorBlob, vectorHex, vectorTable } from "./vector-sql.ts";
import {
  candidatesOf,
  type NearestHit,
  sameSeeds,
  traverseFromNearestSql,
  walkOf,
} from "./vector-traverse.ts";

export { EXACT_BELOW } from "./vector-approximate.ts";
/** Extra rows fetched past k, so float32 ordering in SQL cannot push a true top-k row out. */
const MARGIN = 16;
const WALK_COLUMNS = ["kind", "a", "b", "c", "d", "props"] as const;

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

function table(s: Stored): string {
  return vectorTable(s.id);
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

/**
 * `index`: give cosine and l2 collections a `libsql_vector_idx` (DiskANN) and let unfiltered,
 * non-exact queries on collections of EXACT_BELOW vectors or more use it (vector-approximate.ts).
 * Off by default: the index makes every insert far slower (README, "Vectors").
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
          `CREATE INDEX IF NOT EXISTS ${t}_idx ON ${t} (libsql_vector_idx(embedding, 'metric=${stored.metric === "l2" ? "l2" : "cosine"}'${INDEX_SETTINGS}))`,
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

  /** Exact candidates: k + MARGIN rows by SQL distance (every filtered row for dot). */
  const exactRows = async (
    c: Client,
    s: Stored,
    search: VectorSearch,
    select: string,
    join: (bind: (v: InValue) => string) => string,
  ) => {
    const args: InValue[] = [];
    const bind = binder(args);
    const joinSql = join(bind);
    const where = filterSql(search.filter, "v", bind);
    const fn = distanceFn(s.metric);
    const from = `SELECT ${select} FROM ${table(s)} AS v ${joinSql} WHERE 1${where}`;
    // No SQL dot product: score the filtered rows here.
    if (!fn) return (await c.execute({ sql: from, args })).rows;
    const sql = `${from} ORDER BY ${fn}(v.embedding, vector32(${bind(vectorBlob(search.vector))})), v.id LIMIT ${bind(search.k + MARGIN)}`;
    return (await c.execute({ sql, args })).rows;
  };

  const nearest = async (
    c: Client,
    s: Stored,
    graph: string,
    search: VectorSearch,
    type: string | undefined,
  ): Promise<NearestHit[]> => {
    const rows = await exactRows(
      c,
      s,
      search,
      "v.id, v.embedding, v.metadata, n.type, n.props",
      (bind) =>
        `JOIN stowage_nodes AS n ON n.graph = ${bind(graph)} AND n.id = v.id${type === undefined ? "" : ` AND n.type = ${bind(type)}`}`,
    );
    const withNodes = rows.map((row) => ({ ...toRecord(row), node: nodeOf(row) }));
    return rankRecords(s.metric, search, withNodes);
  };

  /** `traverse` from the seeds' nodes (in byte order), one statement. */
  const walk = async (
    c: Client,
    graph: string,
    seeds: readonly NearestHit[],
    query: TraverseQuery,
  ): Promise<TraverseRecords> => {
    const ids = [...new Set(seeds.map((h) => h.node.id))].sort(compareUtf8);
    const { sql, args } = traverseSql(graph, ids, query);
    return walkOf(await queryRows(c, sql, WALK_COLUMNS, args));
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
        // `WHERE true`: a bare DELETE takes SQLite's truncate shortcut, which leaves the vector
        // index's shadow rows behind; the next insert of a reused rowid then fails ("vector
        // index(insert): failed to insert shadow row", libsql 0.5.29; found by the kit).
        await c.execute(`DELETE FROM ${table(s)} WHERE true`);
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
        if (index && useIndex(s.metric, search)) {
          const args: InValue[] = [];
          const sql = approximateSql(table(s), s.metric, search, MARGIN, binder(args));
          const rs = await c.execute({ sql, args });
          return rankRecords(s.metric, search, rs.rows.map(toRecord));
        }
        const rows = await exactRows(c, s, search, "v.id, v.embedding, v.metadata", () => "");
        return rankRecords(s.metric, search, rows.map(toRecord));
      }),
    nearestNodes: (spec, graph, search, type) =>
      withTable(spec, (c, s) => nearest(c, s, graph, search, type)),
    traverseFromNearest: (spec, graph, search, type, query) =>
      withTable(spec, async (c, s) => {
        const one = traverseFromNearestSql(table(s), s, graph, search, type, query, MARGIN);
        if (!one) {
          // dot: no SQL ordering; the nearest nodes first, then the walk.
          const seeds = await nearest(c, s, graph, search, type);
          return { seeds, traversal: await walk(c, graph, seeds, query) };
        }
        const rows = await queryRows(c, one.sql, WALK_COLUMNS, one.args);
        const { candidates, seeded } = candidatesOf(rows);
        const seeds = rankRecords(s.metric, search, candidates);
        // Near-ties where float32 and float64 orders pick different seeds: walk again from core's.
        if (sameSeeds(seeded, seeds)) return { seeds, traversal: walkOf(rows) };
        return { seeds, traversal: await walk(c, graph, seeds, query) };
      }),
  };
}
