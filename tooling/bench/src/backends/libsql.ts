// libSQL: the stowage driver on one `file:` database, hand-written SQL over @libsql/client on
// another file in the same temp dir, with the same pragmas. Batches are one statement over
// json_each(?) (DESIGN.md: 4–9× faster than client.batch of per-row statements); the traversal is
// one recursive CTE with CROSS JOIN so SQLite walks the primary key instead of scanning.
// Reads of many rows come back as ONE value, `json_group_array(json_array(…))`, parsed with one
// JSON.parse: @libsql/client builds an object per row, and measured here that made a 100-key
// page 2.5× and a 1000-key read 1.3× slower. A careful hand-written app does the same.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { InValue } from "@libsql/client";
import { PreparedSqlite } from "./libsql-prepared.ts";
import { createStore } from "@stowage/core";
import { type Backend, isSkip, loadFactory } from "../backend.ts";
import type {
  BenchEdge,
  BenchNode,
  BenchValue,
  NeighborOutcome,
  PathOutcome,
  RawOps,
  TraverseOutcome,
} from "../scenarios.ts";
import { prefixEnd } from "../scenarios.ts";
import { describePragmas, MinimalLibsql } from "./libsql-minimal.ts";

/** The pragmas every side uses (the driver gets the same through its `pragmas` option). */
export function rawPragmas(sync: "FULL" | "NORMAL"): string[] {
  return [
    "PRAGMA journal_mode = WAL",
    `PRAGMA synchronous = ${sync}`,
    "PRAGMA busy_timeout = 5000",
  ];
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS bench_raw_kv (
    ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER,
    PRIMARY KEY (ns, key)
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS bench_raw_nodes (
    graph TEXT NOT NULL, id TEXT NOT NULL, type TEXT, props TEXT NOT NULL,
    PRIMARY KEY (graph, id)
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS bench_raw_edges (
    graph TEXT NOT NULL, src TEXT NOT NULL, type TEXT NOT NULL, dst TEXT NOT NULL, props TEXT NOT NULL,
    PRIMARY KEY (graph, src, type, dst)
  ) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS bench_raw_edges_in ON bench_raw_edges (graph, dst, type, src)",
  // What stowage keeps too: expired entries found without a scan (for sweeping them), and nodes
  // listed by type. Without them this side would write fewer index pages per write.
  "CREATE INDEX IF NOT EXISTS bench_raw_kv_expiry ON bench_raw_kv (expires_at) WHERE expires_at IS NOT NULL",
  "CREATE INDEX IF NOT EXISTS bench_raw_nodes_by_type ON bench_raw_nodes (graph, type, id)",
];

const LIVE = "(expires_at IS NULL OR expires_at > ?)";

const UPSERT_KV_TAIL = `ON CONFLICT (ns, key) DO UPDATE SET
  value = excluded.value,
  version = CASE WHEN expires_at IS NOT NULL AND expires_at <= ? THEN 1 ELSE version + 1 END,
  expires_at = NULL
RETURNING version`;

const SET = `INSERT INTO bench_raw_kv (ns, key, value, version, expires_at) VALUES (?, ?, ?, 1, NULL) ${UPSERT_KV_TAIL}`;

const SET_MANY = `INSERT INTO bench_raw_kv (ns, key, value, version, expires_at)
SELECT ?, j.value ->> 0, j.value ->> 1, 1, NULL FROM json_each(?) AS j WHERE true
${UPSERT_KV_TAIL}`;

const GET = `SELECT value FROM bench_raw_kv WHERE ns = ? AND key = ? AND ${LIVE}`;

const GET_MANY = `SELECT json_group_array(json_array(j.key, t.value))
FROM json_each(?) AS j
CROSS JOIN bench_raw_kv AS t ON t.ns = ? AND t.key = j.value
WHERE (t.expires_at IS NULL OR t.expires_at > ?)`;

const LIST = `SELECT json_group_array(key ORDER BY key) FROM (
  SELECT key FROM bench_raw_kv WHERE ns = ? AND key > ? AND ${LIVE} ORDER BY key LIMIT ?)`;

const SET_TTL = `INSERT INTO bench_raw_kv (ns, key, value, version, expires_at) VALUES (?1, ?2, ?3, 1, ?5)
ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
  version = CASE WHEN expires_at IS NOT NULL AND expires_at <= ?4 THEN 1 ELSE version + 1 END
RETURNING version`;
const DELETE =
  "DELETE FROM bench_raw_kv WHERE ns = ? AND key = ? RETURNING expires_at IS NULL OR expires_at > ?";
const DELETE_MANY = `DELETE FROM bench_raw_kv WHERE ns = ?1 AND key IN (SELECT value FROM json_each(?2))`;
const ENTRIES = `SELECT json_group_array(json_array(key, value)) FROM (
  SELECT key, value FROM bench_raw_kv WHERE ns = ?1 AND key >= ?2 AND key < ?3 AND key > ?4 AND (expires_at IS NULL OR expires_at > ?5)
  ORDER BY key LIMIT ?6)`;
const COUNT = `SELECT count(*) FROM bench_raw_kv WHERE ns = ? AND ${LIVE}`;
const GET_NODES = `SELECT json_group_array(json_array(n.id, n.type, n.props)) FROM json_each(?2) AS j
CROSS JOIN bench_raw_nodes AS n ON n.graph = ?1 AND n.id = j.value`;
const NEIGHBORS_LIMIT = `SELECT json_group_array(json_array(dir, src, type, dst, props)) FROM (SELECT * FROM (
  SELECT * FROM (SELECT 0 AS dir, src, type, dst, props, dst AS other FROM bench_raw_edges WHERE graph = ?1 AND src = ?2 ORDER BY type, dst LIMIT ?3)
  UNION ALL
  SELECT * FROM (SELECT 1, src, type, dst, props, src FROM bench_raw_edges INDEXED BY bench_raw_edges_in
    WHERE graph = ?1 AND dst = ?2 AND src <> ?2 ORDER BY type, src LIMIT ?3)
) ORDER BY 1, 3, 6 LIMIT ?3)`;
const DEGREE = `SELECT (SELECT count(*) FROM bench_raw_edges WHERE graph = ?1 AND src = ?2)
  + (SELECT count(*) FROM bench_raw_edges INDEXED BY bench_raw_edges_in WHERE graph = ?1 AND dst = ?2 AND src <> ?2)`;
// Every simple out-path up to the bound, by length then by its edges' keys (hex keeps byte order).
const FIND_PATHS = `WITH RECURSIVE walk(depth, tail, nodes, edges, sortkey) AS (
  SELECT 0, id, json_array(id), '[]', '' FROM bench_raw_nodes WHERE graph = ?1 AND id = ?2
  UNION ALL
  SELECT w.depth + 1, e.dst, json_insert(w.nodes, '$[#]', e.dst), json_insert(w.edges, '$[#]', json_array(e.src, e.type, e.dst, json(e.props))),
    w.sortkey || hex(e.src) || '.' || hex(e.type) || '.' || hex(e.dst) || '.'
  FROM walk AS w CROSS JOIN bench_raw_edges AS e ON e.graph = ?1 AND e.src = w.tail
  WHERE w.depth < ?4 AND w.tail <> ?3 AND NOT EXISTS (SELECT 1 FROM json_each(w.nodes) AS v WHERE v.value = e.dst)
)
SELECT json_group_array(json_array(json(nodes), json(edges))) FROM (SELECT nodes, edges FROM walk WHERE tail = ?3 ORDER BY depth, sortkey LIMIT ?5)`;
const READ_VERSIONED = `SELECT value, version FROM bench_raw_kv WHERE ns = ? AND key = ? AND ${LIVE}`;
const WRITE_IF_VERSION =
  "UPDATE bench_raw_kv SET value = ?, version = version + 1 WHERE ns = ? AND key = ? AND version = ? RETURNING version";

const UPSERT_NODES = `INSERT INTO bench_raw_nodes (graph, id, type, props)
SELECT ?, j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(?) AS j WHERE true
ON CONFLICT (graph, id) DO UPDATE SET type = coalesce(excluded.type, type), props = json_patch(props, excluded.props)`;

const ENSURE_NODES = `INSERT INTO bench_raw_nodes (graph, id, type, props)
SELECT ?, j.value, NULL, '{}' FROM json_each(?) AS j WHERE true
ON CONFLICT (graph, id) DO NOTHING`;

const UPSERT_EDGES = `INSERT INTO bench_raw_edges (graph, src, type, dst, props)
SELECT ?, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3 FROM json_each(?) AS j WHERE true
ON CONFLICT (graph, src, type, dst) DO UPDATE SET props = json_patch(props, excluded.props)`;

// Out-edges by (type, to), then in-edges by (type, from), a self-loop once (as out). Without
// statistics SQLite reads in-edges by scanning the primary key on `graph` alone (every edge of the
// graph: 430 µs instead of 40 µs here), hence INDEXED BY.
const NEIGHBORS = `SELECT json_group_array(json_array(dir, src, type, dst, props) ORDER BY dir, type, other) FROM (
  SELECT 0 AS dir, src, type, dst, props, dst AS other FROM bench_raw_edges WHERE graph = ?1 AND src = ?2
  UNION ALL
  SELECT 1, src, type, dst, props, src FROM bench_raw_edges INDEXED BY bench_raw_edges_in WHERE graph = ?1 AND dst = ?2 AND src <> ?2)`;

// Nodes (kind 0) with their smallest depth, and the edges followed from nodes above the depth
// bound to reached nodes (kind 1), in one statement.
const TRAVERSE = `WITH RECURSIVE
walk(id, depth) AS (
  SELECT id, 0 FROM bench_raw_nodes WHERE graph = ?1 AND id = ?2
  UNION
  SELECT e.dst, w.depth + 1 FROM walk AS w CROSS JOIN bench_raw_edges AS e ON e.graph = ?1 AND e.src = w.id
  WHERE w.depth < ?3
),
reached(id, depth) AS MATERIALIZED (SELECT id, min(depth) FROM walk GROUP BY id)
SELECT json_group_array(json_array(kind, a, b, c, props, depth)) FROM (
  SELECT 0 AS kind, r.id AS a, n.type AS b, NULL AS c, n.props AS props, r.depth AS depth
  FROM reached AS r CROSS JOIN bench_raw_nodes AS n ON n.graph = ?1 AND n.id = r.id
  UNION ALL
  SELECT 1, e.src, e.type, e.dst, e.props, NULL
  FROM reached AS r CROSS JOIN bench_raw_edges AS e ON e.graph = ?1 AND e.src = r.id
  WHERE r.depth < ?3 AND e.dst IN (SELECT id FROM reached))`;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class RawLibsql implements RawOps {
  readonly #db: PreparedSqlite;

  constructor(db: PreparedSqlite) {
    this.#db = db;
  }

  static async open(url: string, sync: "FULL" | "NORMAL"): Promise<RawLibsql> {
    const db = PreparedSqlite.open(url);
    for (const p of rawPragmas(sync)) await db.execute(p);
    for (const s of SCHEMA) await db.execute(s);
    return new RawLibsql(db);
  }

  #run(sql: string, args: InValue[]) {
    return this.#db.execute({ sql, args });
  }

  /** Runs a statement whose one result is a JSON array (json_group_array) and parses it. */
  async #json<T>(sql: string, args: InValue[]): Promise<T[]> {
    const rs = await this.#db.execute({ sql, args });
    return JSON.parse((rs.rows[0]?.[0] as string | undefined) ?? "[]") as T[];
  }

  async set(ns: string, key: string, value: BenchValue): Promise<number> {
    const rs = await this.#run(SET, [ns, key, JSON.stringify(value), Date.now()]);
    return rs.rows[0]?.[0] as number;
  }

  async get(ns: string, key: string): Promise<BenchValue | undefined> {
    const rs = await this.#run(GET, [ns, key, Date.now()]);
    const text = rs.rows[0]?.[0];
    return text === undefined ? undefined : (JSON.parse(text as string) as BenchValue);
  }

  async setMany(
    ns: string,
    items: readonly { key: string; value: BenchValue }[],
  ): Promise<number[]> {
    const rows = JSON.stringify(items.map((i) => [i.key, JSON.stringify(i.value)]));
    const rs = await this.#run(SET_MANY, [ns, rows, Date.now()]);
    return rs.rows.map((r) => r[0] as number);
  }

  async getMany(ns: string, keys: readonly string[]): Promise<(BenchValue | undefined)[]> {
    const rows = await this.#json<[number, string]>(GET_MANY, [
      JSON.stringify(keys),
      ns,
      Date.now(),
    ]);
    const out: (BenchValue | undefined)[] = new Array(keys.length).fill(undefined);
    for (const [i, value] of rows) out[i] = JSON.parse(value) as BenchValue;
    return out;
  }

  async listPage(ns: string, after: string | undefined, limit: number): Promise<string[]> {
    return this.#json<string>(LIST, [ns, after ?? "", Date.now(), limit]);
  }

  async update(ns: string, key: string, fn: (old: BenchValue) => BenchValue): Promise<number> {
    const rs = await this.#run(READ_VERSIONED, [ns, key, Date.now()]);
    const row = rs.rows[0];
    if (!row) throw new Error(`raw update: ${key} is missing`);
    const next = JSON.stringify(fn(JSON.parse(row[0] as string) as BenchValue));
    const written = await this.#run(WRITE_IF_VERSION, [next, ns, key, row[1] as number]);
    if (written.rows.length === 0) throw new Error(`raw update: ${key} changed meanwhile`);
    return written.rows[0]?.[0] as number;
  }

  async upsertNodes(graph: string, nodes: readonly BenchNode[]): Promise<void> {
    await this.#run(UPSERT_NODES, [
      graph,
      JSON.stringify(nodes.map((n) => [n.id, n.type, JSON.stringify(n.props)])),
    ]);
  }

  async upsertEdges(graph: string, edges: readonly BenchEdge[]): Promise<void> {
    const ends = new Set<string>();
    for (const e of edges) ends.add(e.from).add(e.to);
    const rows = JSON.stringify(edges.map((e) => [e.from, e.type, e.to, JSON.stringify(e.props)]));
    // One transaction: the endpoints, then the edges.
    await this.#db.batch(
      [
        { sql: ENSURE_NODES, args: [graph, JSON.stringify([...ends])] },
        { sql: UPSERT_EDGES, args: [graph, rows] },
      ],
      "write",
    );
  }

  async setWithTtl(ns: string, key: string, value: BenchValue, ttlMs: number): Promise<number> {
    const now = Date.now();
    const rs = await this.#run(SET_TTL, [ns, key, JSON.stringify(value), now, now + ttlMs]);
    return rs.rows[0]?.[0] as number;
  }

  async delete(ns: string, key: string): Promise<boolean> {
    const rs = await this.#run(DELETE, [ns, key, Date.now()]);
    return rs.rows[0]?.[0] === 1;
  }

  async deleteMany(ns: string, keys: readonly string[]): Promise<void> {
    await this.#run(DELETE_MANY, [ns, JSON.stringify(keys)]);
  }

  async entriesPage(
    ns: string,
    prefix: string,
    after: string | undefined,
    limit: number,
  ): Promise<[string, BenchValue][]> {
    const end = prefixEnd(prefix);
    const rows = await this.#json<[string, string]>(ENTRIES, [
      ns,
      prefix,
      end,
      after ?? "",
      Date.now(),
      limit,
    ]);
    return rows.map(([k, v]) => [k, JSON.parse(v) as BenchValue]);
  }

  async count(ns: string): Promise<number> {
    const rs = await this.#run(COUNT, [ns, Date.now()]);
    return rs.rows[0]?.[0] as number;
  }

  async clear(ns: string): Promise<void> {
    await this.#run("DELETE FROM bench_raw_kv WHERE ns = ?", [ns]);
  }

  async clearGraph(graph: string): Promise<void> {
    await this.#db.batch(
      [
        { sql: "DELETE FROM bench_raw_edges WHERE graph = ?", args: [graph] },
        { sql: "DELETE FROM bench_raw_nodes WHERE graph = ?", args: [graph] },
      ],
      "write",
    );
  }

  async getNodes(graph: string, ids: readonly string[]): Promise<unknown[]> {
    const rows = await this.#json<[string, string | null, string]>(GET_NODES, [
      graph,
      JSON.stringify(ids),
    ]);
    const found = new Map(
      rows.map(([id, type, props]) => [id, { id, type, props: JSON.parse(props) as unknown }]),
    );
    return ids.map((id) => found.get(id));
  }

  async degree(graph: string, id: string): Promise<number> {
    const rs = await this.#run(DEGREE, [graph, id]);
    return rs.rows[0]?.[0] as number;
  }

  async findPaths(
    graph: string,
    from: string,
    to: string,
    maxDepth: number,
    maxPaths: number,
  ): Promise<PathOutcome[]> {
    const rows = await this.#json<[string[], [string, string, string, unknown][]]>(FIND_PATHS, [
      graph,
      from,
      to,
      maxDepth,
      maxPaths,
    ]);
    return rows.map(([nodes, edges]) => ({
      nodes,
      edges: edges.map(([f, t, d, props]) => ({ from: f, type: t, to: d, props })),
    }));
  }

  async neighbors(graph: string, id: string, limit?: number): Promise<NeighborOutcome[]> {
    const rows = await this.#json<[number, string, string, string, string]>(
      limit === undefined ? NEIGHBORS : NEIGHBORS_LIMIT,
      limit === undefined ? [graph, id] : [graph, id, limit],
    );
    return rows.map(([dir, from, type, to, props]) => {
      const out = dir === 0;
      const edge = { from, type, to, props: JSON.parse(props) as unknown };
      return { id: out ? to : from, direction: out ? "out" : "in", edge };
    });
  }

  async traverse(graph: string, seed: string, maxDepth: number): Promise<TraverseOutcome> {
    const rows = await this.#json<
      [number, string, string | null, string | null, string, number | null]
    >(TRAVERSE, [graph, seed, maxDepth]);
    const out: TraverseOutcome = { nodes: [], edges: [] };
    for (const [kind, a, b, c, props, depth] of rows) {
      if (kind === 0)
        out.nodes.push({
          id: a,
          type: b,
          props: JSON.parse(props) as unknown,
          depth: depth as number,
        });
      else
        out.edges.push({
          from: a,
          type: b as string,
          to: c as string,
          props: JSON.parse(props) as unknown,
        });
    }
    out.nodes.sort((a, b) => a.depth - b.depth || cmp(a.id, b.id));
    out.edges.sort((a, b) => cmp(a.from, b.from) || cmp(a.type, b.type) || cmp(a.to, b.to));
    return out;
  }

  pragmas(): Promise<string> {
    return describePragmas(this.#db);
  }

  close(): void {
    this.#db.close();
  }
}

export const libsqlBackend: Backend = {
  name: "libsql",
  async open(_run, options) {
    const factory = await loadFactory("@stowage/libsql", "createLibsqlDriver");
    if (isSkip(factory)) return factory;
    const dir = await mkdtemp(path.join(os.tmpdir(), "stowage-bench-"));
    const removeDir = () => rm(dir, { recursive: true, force: true });
    try {
      const sync = options.sqliteSync;
      const store = createStore(
        factory({ url: `file:${path.join(dir, "stowage.db")}`, pragmas: { synchronous: sync } }),
      );
      await store.ping();
      const raw = await RawLibsql.open(`file:${path.join(dir, "raw.db")}`, sync);
      const minimal = await MinimalLibsql.open(
        `file:${path.join(dir, "minimal.db")}`,
        rawPragmas(sync),
      );
      return {
        store,
        raw,
        minimal,
        detail: `file: databases in ${dir}, one per side`,
        async durability() {
          return `stowage: pragmas.synchronous=${sync} (journal WAL); raw-same: ${await raw.pragmas()}; raw-minimal: ${await minimal.pragmas()}`;
        },
        async close() {
          raw.close();
          minimal.close();
          await removeDir();
        },
      };
    } catch (error) {
      await removeDir();
      throw error;
    }
  },
};
