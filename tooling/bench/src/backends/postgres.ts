// PostgreSQL: the stowage driver against hand-written postgres.js queries, each side in a schema
// of this run's own (both dropped at the end). Batches are one statement over unnest() arrays; the
// edge upsert inserts missing endpoints in a data-modifying CTE of the same statement; the
// traversal is one recursive CTE, fetching reached rows with `= ANY(ARRAY(…))` (DESIGN.md); the
// edges' far end is checked with a hashed `IN`, because a second `= ANY` on `dst` made the index
// scan probe every (src, dst) pair (5.5 ms instead of 0.15 ms here).

import { createStore } from "@stowage/core";
import postgres from "postgres";
import { type Backend, firstLine, isSkip, loadFactory } from "../backend.ts";
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
import { MinimalPostgres } from "./postgres-minimal.ts";

export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

function schemaSql(s: string): string[] {
  return [
    `CREATE SCHEMA ${s}`,
    `CREATE TABLE ${s}.kv (
      ns text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, value text NOT NULL,
      version integer NOT NULL, expires_at bigint, PRIMARY KEY (ns, key))`,
    `CREATE TABLE ${s}.nodes (
      graph text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, type text COLLATE "C", props jsonb NOT NULL,
      PRIMARY KEY (graph, id))`,
    `CREATE TABLE ${s}.edges (
      graph text COLLATE "C" NOT NULL, src text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL,
      dst text COLLATE "C" NOT NULL, props jsonb NOT NULL, PRIMARY KEY (graph, src, type, dst))`,
    // Cascading deletes without foreign keys (whose per-row checks cost 1.6 s of a 10k-edge load):
    // one statement-level trigger, and edge writes take a shared advisory lock per graph that
    // node deletes take exclusively (as the driver does; packages/postgres/src/graph-lock.ts).
    `CREATE FUNCTION ${s}.cascade() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      DELETE FROM ${s}.edges AS e USING gone AS g WHERE e.graph = g.graph AND e.src = g.id;
      DELETE FROM ${s}.edges AS e USING gone AS g WHERE e.graph = g.graph AND e.dst = g.id;
      RETURN NULL; END $$`,
    `CREATE TRIGGER cascade AFTER DELETE ON ${s}.nodes REFERENCING OLD TABLE AS gone
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.cascade()`,
    `CREATE INDEX ON ${s}.edges (graph, dst, type, src)`,
    // Listing edges by type, as stowage offers.
    `CREATE INDEX ON ${s}.edges (graph, type, src, dst)`,
  ];
}

function queries(s: string) {
  const live = "(expires_at IS NULL OR expires_at > $3)";
  const upsertTail = `ON CONFLICT (ns, key) DO UPDATE SET
      value = excluded.value,
      version = CASE WHEN kv.expires_at IS NOT NULL AND kv.expires_at <= $3 THEN 1 ELSE kv.version + 1 END,
      expires_at = NULL
    RETURNING version`;
  return {
    set: `INSERT INTO ${s}.kv AS kv (ns, key, value, version) VALUES ($1, $2, $4, 1) ${upsertTail}`,
    setTtl: `INSERT INTO ${s}.kv AS kv (ns, key, value, version, expires_at) VALUES ($1, $2, $4, 1, $5)
      ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
        version = CASE WHEN kv.expires_at IS NOT NULL AND kv.expires_at <= $3 THEN 1 ELSE kv.version + 1 END
      RETURNING version`,
    delete: `DELETE FROM ${s}.kv WHERE ns = $1 AND key = $2 RETURNING expires_at IS NULL OR expires_at > $3 AS live`,
    deleteMany: `DELETE FROM ${s}.kv WHERE ns = $1 AND key = ANY($2::text[]) RETURNING key, expires_at IS NULL OR expires_at > $3 AS live`,
    entries: `SELECT key, value FROM ${s}.kv WHERE ns = $1 AND key >= $2 AND key < $5 AND key > $6 AND ${live} ORDER BY key LIMIT $4`,
    count: `SELECT count(*)::int AS n FROM ${s}.kv WHERE ns = $1 AND (expires_at IS NULL OR expires_at > $2)`,
    clear: `DELETE FROM ${s}.kv WHERE ns = $1`,
    clearGraph: `WITH lock AS (SELECT pg_advisory_xact_lock(1, hashtext($1))),
      e AS (DELETE FROM ${s}.edges USING lock WHERE graph = $1)
      DELETE FROM ${s}.nodes USING lock WHERE graph = $1`,
    getNodes: `SELECT id, type, props FROM ${s}.nodes WHERE graph = $1 AND id = ANY($2::text[])`,
    neighborsLimit: `SELECT * FROM (
        (SELECT 0 AS dir, src, type, dst, props, dst AS other FROM ${s}.edges WHERE graph = $1 AND src = $2 ORDER BY type, dst LIMIT $3)
        UNION ALL
        (SELECT 1, src, type, dst, props, src FROM ${s}.edges WHERE graph = $1 AND dst = $2 AND src <> $2 ORDER BY type, src LIMIT $3)
      ) AS x ORDER BY 1, 3, 6 LIMIT $3`,
    degree: `SELECT (SELECT count(*) FROM ${s}.edges WHERE graph = $1 AND src = $2)
      + (SELECT count(*) FROM ${s}.edges WHERE graph = $1 AND dst = $2 AND src <> $2) AS n`,
    findPaths: `WITH RECURSIVE walk(depth, tail, nodes, keys) AS (
        SELECT 0, id, ARRAY[id], ARRAY[]::text[] COLLATE "C" FROM ${s}.nodes WHERE graph = $1 AND id = $2
        UNION ALL
        SELECT w.depth + 1, e.dst, w.nodes || e.dst, w.keys || ARRAY[e.src, e.type, e.dst]
        FROM walk AS w JOIN ${s}.edges AS e ON e.graph = $1 AND e.src = w.tail
        WHERE w.depth < $4 AND w.tail <> $3 AND e.dst <> ALL(w.nodes)
      ),
      found AS (SELECT depth, nodes, keys FROM walk WHERE tail = $3 ORDER BY depth, keys LIMIT $5)
      SELECT 0 AS kind, nodes, keys, NULL::jsonb AS props FROM found
      UNION ALL
      SELECT 1, NULL, ARRAY[e.src, e.type, e.dst], e.props
      FROM (SELECT DISTINCT f.keys[3 * i - 2] AS a, f.keys[3 * i - 1] AS b, f.keys[3 * i] AS c
            FROM found AS f, generate_series(1, f.depth) AS i) AS k
      JOIN ${s}.edges AS e ON e.graph = $1 AND e.src = k.a AND e.type = k.b AND e.dst = k.c`,
    setMany: `INSERT INTO ${s}.kv AS kv (ns, key, value, version)
      SELECT $1, k, v, 1 FROM unnest($2::text[], $4::text[]) AS u(k, v) ${upsertTail}`,
    get: `SELECT value FROM ${s}.kv WHERE ns = $1 AND key = $2 AND ${live}`,
    getMany: `SELECT key, value FROM ${s}.kv WHERE ns = $1 AND key = ANY($2::text[]) AND ${live}`,
    list: `SELECT key FROM ${s}.kv WHERE ns = $1 AND key > $2 AND ${live} ORDER BY key LIMIT $4`,
    readVersioned: `SELECT value, version FROM ${s}.kv WHERE ns = $1 AND key = $2 AND ${live}`,
    writeIfVersion: `UPDATE ${s}.kv SET value = $3, version = version + 1 WHERE ns = $1 AND key = $2 AND version = $4 RETURNING version`,
    upsertNodes: `INSERT INTO ${s}.nodes AS n (graph, id, type, props)
      SELECT $1, i, t, p::jsonb FROM unnest($2::text[], $3::text[], $4::text[]) AS u(i, t, p)
      ON CONFLICT (graph, id) DO UPDATE SET type = coalesce(excluded.type, n.type), props = n.props || excluded.props`,
    upsertEdges: `WITH lock AS (SELECT pg_advisory_xact_lock_shared(1, hashtext($1))),
      ends AS (
        INSERT INTO ${s}.nodes (graph, id, type, props)
        SELECT $1, x, NULL, '{}' FROM lock, unnest($2::text[]) AS x ON CONFLICT DO NOTHING
      )
      INSERT INTO ${s}.edges AS e (graph, src, type, dst, props)
      SELECT $1, f, t, d, p::jsonb FROM lock, unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u(f, t, d, p)
      ON CONFLICT (graph, src, type, dst) DO UPDATE SET props = e.props || excluded.props`,
    neighbors: `SELECT 0 AS dir, src, type, dst, props, dst AS other FROM ${s}.edges WHERE graph = $1 AND src = $2
      UNION ALL
      SELECT 1, src, type, dst, props, src FROM ${s}.edges WHERE graph = $1 AND dst = $2 AND src <> $2
      ORDER BY 1, 3, 6`,
    traverse: `WITH RECURSIVE walk(id, depth) AS (
        SELECT id, 0 FROM ${s}.nodes WHERE graph = $1 AND id = $2
        UNION
        SELECT e.dst, w.depth + 1 FROM walk AS w JOIN ${s}.edges AS e ON e.graph = $1 AND e.src = w.id WHERE w.depth < $3
      ),
      reached AS MATERIALIZED (SELECT id, min(depth) AS depth FROM walk GROUP BY id)
      SELECT 0 AS kind, n.id AS a, n.type AS b, NULL AS c, n.props, r.depth
      FROM ${s}.nodes AS n JOIN reached AS r ON r.id = n.id
      WHERE n.graph = $1 AND n.id = ANY(ARRAY(SELECT id FROM reached))
      UNION ALL
      SELECT 1, e.src, e.type, e.dst, e.props, NULL
      FROM ${s}.edges AS e
      WHERE e.graph = $1 AND e.src = ANY(ARRAY(SELECT id FROM reached WHERE depth < $3))
        AND e.dst IN (SELECT id FROM reached)`,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type Row = Record<string, unknown>;

export class RawPostgres implements RawOps {
  readonly #sql: postgres.Sql;
  readonly #q: ReturnType<typeof queries>;

  constructor(sql: postgres.Sql, schema: string) {
    this.#sql = sql;
    this.#q = queries(schema);
  }

  static async create(sql: postgres.Sql, schema: string): Promise<RawPostgres> {
    await sql.begin(async (tx) => {
      for (const statement of schemaSql(schema)) await tx.unsafe(statement);
    });
    return new RawPostgres(sql, schema);
  }

  #run(query: string, params: unknown[]): Promise<Row[]> {
    return this.#sql.unsafe(query, params as postgres.ParameterOrJSON<never>[], {
      prepare: true,
    }) as unknown as Promise<Row[]>;
  }

  async set(ns: string, key: string, value: BenchValue): Promise<number> {
    const [row] = await this.#run(this.#q.set, [ns, key, Date.now(), JSON.stringify(value)]);
    return row?.version as number;
  }

  async get(ns: string, key: string): Promise<BenchValue | undefined> {
    const [row] = await this.#run(this.#q.get, [ns, key, Date.now()]);
    return row ? (JSON.parse(row.value as string) as BenchValue) : undefined;
  }

  async setMany(
    ns: string,
    items: readonly { key: string; value: BenchValue }[],
  ): Promise<number[]> {
    const rows = await this.#run(this.#q.setMany, [
      ns,
      items.map((i) => i.key),
      Date.now(),
      items.map((i) => JSON.stringify(i.value)),
    ]);
    return rows.map((r) => r.version as number);
  }

  async getMany(ns: string, keys: readonly string[]): Promise<(BenchValue | undefined)[]> {
    const rows = await this.#run(this.#q.getMany, [ns, keys, Date.now()]);
    const found = new Map(rows.map((r) => [r.key as string, r.value as string]));
    return keys.map((k) => {
      const text = found.get(k);
      return text === undefined ? undefined : (JSON.parse(text) as BenchValue);
    });
  }

  async listPage(ns: string, after: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.#run(this.#q.list, [ns, after ?? "", Date.now(), limit]);
    return rows.map((r) => r.key as string);
  }

  async update(ns: string, key: string, fn: (old: BenchValue) => BenchValue): Promise<number> {
    const [row] = await this.#run(this.#q.readVersioned, [ns, key, Date.now()]);
    if (!row) throw new Error(`raw update: ${key} is missing`);
    const next = JSON.stringify(fn(JSON.parse(row.value as string) as BenchValue));
    const [written] = await this.#run(this.#q.writeIfVersion, [ns, key, next, row.version]);
    if (!written) throw new Error(`raw update: ${key} changed meanwhile`);
    return written.version as number;
  }

  async upsertNodes(graph: string, nodes: readonly BenchNode[]): Promise<void> {
    await this.#run(this.#q.upsertNodes, [
      graph,
      nodes.map((n) => n.id),
      nodes.map((n) => n.type),
      nodes.map((n) => JSON.stringify(n.props)),
    ]);
  }

  async upsertEdges(graph: string, edges: readonly BenchEdge[]): Promise<void> {
    const ends = new Set<string>();
    for (const e of edges) ends.add(e.from).add(e.to);
    await this.#run(this.#q.upsertEdges, [
      graph,
      [...ends],
      edges.map((e) => e.from),
      edges.map((e) => e.type),
      edges.map((e) => e.to),
      edges.map((e) => JSON.stringify(e.props)),
    ]);
  }

  async setWithTtl(ns: string, key: string, value: BenchValue, ttlMs: number): Promise<number> {
    const now = Date.now();
    const [row] = await this.#run(this.#q.setTtl, [
      ns,
      key,
      now,
      JSON.stringify(value),
      now + ttlMs,
    ]);
    return row?.version as number;
  }

  async delete(ns: string, key: string): Promise<boolean> {
    const [row] = await this.#run(this.#q.delete, [ns, key, Date.now()]);
    return row?.live === true;
  }

  async deleteMany(ns: string, keys: readonly string[]): Promise<number> {
    const rows = await this.#run(this.#q.deleteMany, [ns, keys, Date.now()]);
    return rows.filter((r) => r.live).length;
  }

  async entriesPage(
    ns: string,
    prefix: string,
    after: string | undefined,
    limit: number,
  ): Promise<[string, BenchValue][]> {
    const end = prefixEnd(prefix);
    const rows = await this.#run(this.#q.entries, [
      ns,
      prefix,
      Date.now(),
      limit,
      end,
      after ?? "",
    ]);
    return rows.map((r) => [r.key as string, JSON.parse(r.value as string) as BenchValue]);
  }

  async count(ns: string): Promise<number> {
    const [row] = await this.#run(this.#q.count, [ns, Date.now()]);
    return row?.n as number;
  }

  async clear(ns: string): Promise<void> {
    await this.#run(this.#q.clear, [ns]);
  }

  async clearGraph(graph: string): Promise<void> {
    await this.#run(this.#q.clearGraph, [graph]);
  }

  async getNodes(graph: string, ids: readonly string[]): Promise<unknown[]> {
    const rows = await this.#run(this.#q.getNodes, [graph, ids]);
    const found = new Map(
      rows.map((r) => [r.id as string, { id: r.id, type: r.type, props: r.props }]),
    );
    return ids.map((id) => found.get(id));
  }

  async degree(graph: string, id: string): Promise<number> {
    const [row] = await this.#run(this.#q.degree, [graph, id]);
    return Number(row?.n);
  }

  async findPaths(
    graph: string,
    from: string,
    to: string,
    maxDepth: number,
    maxPaths: number,
  ): Promise<PathOutcome[]> {
    const rows = await this.#run(this.#q.findPaths, [graph, from, to, maxDepth, maxPaths]);
    const props = new Map<string, unknown>();
    const paths: { nodes: string[]; keys: string[] }[] = [];
    for (const r of rows) {
      if (r.kind === 0) paths.push({ nodes: r.nodes as string[], keys: r.keys as string[] });
      else props.set((r.keys as string[]).join("\u0000"), r.props);
    }
    return paths.map((p) => ({
      nodes: p.nodes,
      edges: Array.from({ length: p.nodes.length - 1 }, (_, i) => {
        const [from, type, to] = p.keys.slice(3 * i, 3 * i + 3) as [string, string, string];
        return { from, type, to, props: props.get(`${from}\u0000${type}\u0000${to}`) };
      }),
    }));
  }

  async neighbors(graph: string, id: string, limit?: number): Promise<NeighborOutcome[]> {
    const rows = await (limit === undefined
      ? this.#run(this.#q.neighbors, [graph, id])
      : this.#run(this.#q.neighborsLimit, [graph, id, limit]));
    return rows.map((r) => {
      const out = r.dir === 0;
      const edge = {
        from: r.src as string,
        type: r.type as string,
        to: r.dst as string,
        props: r.props,
      };
      return { id: out ? edge.to : edge.from, direction: out ? "out" : "in", edge };
    });
  }

  async traverse(graph: string, seed: string, maxDepth: number): Promise<TraverseOutcome> {
    const rows = await this.#run(this.#q.traverse, [graph, seed, maxDepth]);
    const out: TraverseOutcome = { nodes: [], edges: [] };
    for (const r of rows) {
      if (r.kind === 0)
        out.nodes.push({
          id: r.a as string,
          type: r.b as string | null,
          props: r.props,
          depth: r.depth as number,
        });
      else
        out.edges.push({
          from: r.a as string,
          type: r.b as string,
          to: r.c as string,
          props: r.props,
        });
    }
    out.nodes.sort((a, b) => a.depth - b.depth || cmp(a.id, b.id));
    out.edges.sort((a, b) => cmp(a.from, b.from) || cmp(a.type, b.type) || cmp(a.to, b.to));
    return out;
  }
}

export function redactPostgresUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

export const postgresBackend: Backend = {
  name: "postgres",
  async open(run) {
    const url = process.env.STOWAGE_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
    const where = redactPostgresUrl(url);
    const sql = postgres(url, { connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`SELECT 1`;
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {});
      return {
        skip: `PostgreSQL not reachable at ${where} (${firstLine(error)}); set STOWAGE_POSTGRES_URL`,
      };
    }
    const factory = await loadFactory("@stowage/postgres", "createPostgresDriver");
    if (isSkip(factory)) {
      await sql.end({ timeout: 1 });
      return factory;
    }
    // Both sides get fresh tables of their own, dropped at the end: tables reused across runs
    // carry dead rows from earlier runs (160k after a few), which would slow one side only.
    const rawSchema = `bench_raw_${run}`;
    const stowageSchema = `bench_stowage_${run}`;
    const minimalSchema = `bench_minimal_${run}`;
    const dropSchemas = () =>
      sql.unsafe(`DROP SCHEMA IF EXISTS ${rawSchema}, ${stowageSchema}, ${minimalSchema} CASCADE`);
    try {
      const raw = await RawPostgres.create(sql, rawSchema);
      const minimal = await MinimalPostgres.create(sql, minimalSchema);
      const store = createStore(factory({ url, schema: stowageSchema }));
      return {
        store,
        raw,
        minimal,
        detail: `${where} (schemas ${stowageSchema}, ${rawSchema}, ${minimalSchema}; dropped at the end)`,
        async durability() {
          const rows = await sql<{ name: string; setting: string }[]>`
            SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes')
            ORDER BY name`;
          return `${rows.map((r) => `${r.name}=${r.setting}`).join(", ")} (server settings: the same for every side)`;
        },
        // Fresh tables have no statistics until autovacuum gets to them, and without them the
        // planner picks nested loops that make the traversal 10× slower. Both sides get them, as
        // a server in steady state has.
        async afterSeed() {
          const tables = await sql<{ name: string }[]>`
            SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
            WHERE schemaname IN (${stowageSchema}, ${rawSchema}, ${minimalSchema})`;
          for (const { name } of tables) await sql.unsafe(`ANALYZE ${name}`);
        },
        async close() {
          try {
            // This run's own schemas only (the store is closed by now).
            await dropSchemas();
          } finally {
            await sql.end({ timeout: 5 });
          }
        },
      };
    } catch (error) {
      await dropSchemas().catch(() => {});
      await sql.end({ timeout: 1 });
      throw error;
    }
  },
};
