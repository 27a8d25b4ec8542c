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
import { type Client, createClient, type InValue } from "@libsql/client";
import { createStore } from "@stowage/core";
import { type Backend, isSkip, loadFactory } from "../backend.ts";
import type { BenchEdge, BenchNode, BenchValue, NeighborOutcome, RawOps, TraverseOutcome } from "../scenarios.ts";

/** The pragmas the raw side uses; keep them equal to what the driver sets (see its README). */
export const RAW_PRAGMAS = ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA busy_timeout = 5000"];

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

const READ_VERSIONED = `SELECT value, version FROM bench_raw_kv WHERE ns = ? AND key = ? AND ${LIVE}`;
const WRITE_IF_VERSION = "UPDATE bench_raw_kv SET value = ?, version = version + 1 WHERE ns = ? AND key = ? AND version = ? RETURNING version";

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
  readonly #db: Client;

  constructor(db: Client) {
    this.#db = db;
  }

  static async open(url: string): Promise<RawLibsql> {
    const db = createClient({ url });
    for (const p of RAW_PRAGMAS) await db.execute(p);
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

  async setMany(ns: string, items: readonly { key: string; value: BenchValue }[]): Promise<number[]> {
    const rows = JSON.stringify(items.map((i) => [i.key, JSON.stringify(i.value)]));
    const rs = await this.#run(SET_MANY, [ns, rows, Date.now()]);
    return rs.rows.map((r) => r[0] as number);
  }

  async getMany(ns: string, keys: readonly string[]): Promise<(BenchValue | undefined)[]> {
    const rows = await this.#json<[number, string]>(GET_MANY, [JSON.stringify(keys), ns, Date.now()]);
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
    await this.#run(UPSERT_NODES, [graph, JSON.stringify(nodes.map((n) => [n.id, n.type, JSON.stringify(n.props)]))]);
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

  async neighbors(graph: string, id: string): Promise<NeighborOutcome[]> {
    const rows = await this.#json<[number, string, string, string, string]>(NEIGHBORS, [graph, id]);
    return rows.map(([dir, from, type, to, props]) => {
      const out = dir === 0;
      const edge = { from, type, to, props: JSON.parse(props) as unknown };
      return { id: out ? to : from, direction: out ? "out" : "in", edge };
    });
  }

  async traverse(graph: string, seed: string, maxDepth: number): Promise<TraverseOutcome> {
    const rows = await this.#json<[number, string, string | null, string | null, string, number | null]>(TRAVERSE, [graph, seed, maxDepth]);
    const out: TraverseOutcome = { nodes: [], edges: [] };
    for (const [kind, a, b, c, props, depth] of rows) {
      if (kind === 0) out.nodes.push({ id: a, type: b, props: JSON.parse(props) as unknown, depth: depth as number });
      else out.edges.push({ from: a, type: b as string, to: c as string, props: JSON.parse(props) as unknown });
    }
    out.nodes.sort((a, b) => a.depth - b.depth || cmp(a.id, b.id));
    out.edges.sort((a, b) => cmp(a.from, b.from) || cmp(a.type, b.type) || cmp(a.to, b.to));
    return out;
  }

  close(): void {
    this.#db.close();
  }
}

export const libsqlBackend: Backend = {
  name: "libsql",
  async open() {
    const factory = await loadFactory("@stowage/libsql", "createLibsqlDriver");
    if (isSkip(factory)) return factory;
    const dir = await mkdtemp(path.join(os.tmpdir(), "stowage-bench-"));
    const removeDir = () => rm(dir, { recursive: true, force: true });
    try {
      const store = createStore(factory({ url: `file:${path.join(dir, "stowage.db")}` }));
      await store.ping();
      const raw = await RawLibsql.open(`file:${path.join(dir, "raw.db")}`);
      return {
        store,
        raw,
        detail: `file: databases in ${dir} (raw: ${RAW_PRAGMAS.map((p) => p.replace("PRAGMA ", "")).join(", ")})`,
        async close() {
          raw.close();
          await removeDir();
        },
      };
    } catch (error) {
      await removeDir();
      throw error;
    }
  },
};
