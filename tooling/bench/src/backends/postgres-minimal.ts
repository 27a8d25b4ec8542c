// PostgreSQL raw-minimal: the fastest hand-written code for each job without stowage's guarantees.
// KV: one table per namespace `(key text PRIMARY KEY, value text, expires_at bigint)`: no
// version, no namespace column, reads ignore expiry, `clear` is TRUNCATE, `update` reads then
// writes without a version check. Graph: nodes and edges tables without foreign keys (no cascade,
// no endpoint creation: edges are inserted as given), no index by edge type. Graph reads are the
// same SQL as raw-same-guarantees (nothing cheaper does the same job) and are not repeated here.

import type postgres from "postgres";
import type { BenchEdge, BenchNode, BenchValue, RawOps } from "../scenarios.ts";
import { prefixEnd } from "../scenarios.ts";

type Row = Record<string, unknown>;

export class MinimalPostgres implements RawOps {
  readonly #sql: postgres.Sql;
  readonly #schema: string;
  readonly #tables = new Set<string>();

  constructor(sql: postgres.Sql, schema: string) {
    this.#sql = sql;
    this.#schema = schema;
  }

  static async create(sql: postgres.Sql, schema: string): Promise<MinimalPostgres> {
    await sql.begin(async (tx) => {
      await tx.unsafe(`CREATE SCHEMA ${schema}`);
      await tx.unsafe(`CREATE TABLE ${schema}.nodes (
        graph text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, type text COLLATE "C", props jsonb NOT NULL,
        PRIMARY KEY (graph, id))`);
      await tx.unsafe(`CREATE TABLE ${schema}.edges (
        graph text COLLATE "C" NOT NULL, src text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL,
        dst text COLLATE "C" NOT NULL, props jsonb NOT NULL, PRIMARY KEY (graph, src, type, dst))`);
      await tx.unsafe(`CREATE INDEX ON ${schema}.edges (graph, dst, type, src)`);
    });
    return new MinimalPostgres(sql, schema);
  }

  /** The namespace's own table, created on first use. */
  async #t(ns: string): Promise<string> {
    const name = `${this.#schema}."${ns.replace(/"/g, "")}"`;
    if (!this.#tables.has(name)) {
      await this.#sql.unsafe(
        `CREATE TABLE IF NOT EXISTS ${name} (key text COLLATE "C" PRIMARY KEY, value text NOT NULL, expires_at bigint)`,
      );
      this.#tables.add(name);
    }
    return name;
  }

  #run(query: string, params: unknown[]): Promise<Row[]> {
    return this.#sql.unsafe(query, params as postgres.ParameterOrJSON<never>[], {
      prepare: true,
    }) as unknown as Promise<Row[]>;
  }

  async set(ns: string, key: string, value: BenchValue): Promise<void> {
    const t = await this.#t(ns);
    await this.#run(
      `INSERT INTO ${t} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [key, JSON.stringify(value)],
    );
  }

  async setWithTtl(ns: string, key: string, value: BenchValue, ttlMs: number): Promise<void> {
    const t = await this.#t(ns);
    await this.#run(
      `INSERT INTO ${t} (key, value, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      [key, JSON.stringify(value), Date.now() + ttlMs],
    );
  }

  async get(ns: string, key: string): Promise<BenchValue | undefined> {
    const [row] = await this.#run(`SELECT value FROM ${await this.#t(ns)} WHERE key = $1`, [key]);
    return row ? (JSON.parse(row.value as string) as BenchValue) : undefined;
  }

  async delete(ns: string, key: string): Promise<void> {
    await this.#run(`DELETE FROM ${await this.#t(ns)} WHERE key = $1`, [key]);
  }

  async setMany(ns: string, items: readonly { key: string; value: BenchValue }[]): Promise<void> {
    const t = await this.#t(ns);
    await this.#run(
      `INSERT INTO ${t} (key, value) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [items.map((i) => i.key), items.map((i) => JSON.stringify(i.value))],
    );
  }

  async getMany(ns: string, keys: readonly string[]): Promise<(BenchValue | undefined)[]> {
    const rows = await this.#run(
      `SELECT key, value FROM ${await this.#t(ns)} WHERE key = ANY($1::text[])`,
      [keys],
    );
    const found = new Map(rows.map((r) => [r.key as string, r.value as string]));
    return keys.map((k) => {
      const text = found.get(k);
      return text === undefined ? undefined : (JSON.parse(text) as BenchValue);
    });
  }

  async deleteMany(ns: string, keys: readonly string[]): Promise<void> {
    await this.#run(`DELETE FROM ${await this.#t(ns)} WHERE key = ANY($1::text[])`, [keys]);
  }

  async listPage(ns: string, after: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.#run(
      `SELECT key FROM ${await this.#t(ns)} WHERE key > $1 ORDER BY key LIMIT $2`,
      [after ?? "", limit],
    );
    return rows.map((r) => r.key as string);
  }

  async entriesPage(
    ns: string,
    prefix: string,
    after: string | undefined,
    limit: number,
  ): Promise<[string, BenchValue][]> {
    const end = prefixEnd(prefix);
    const rows = await this.#run(
      `SELECT key, value FROM ${await this.#t(ns)} WHERE key >= $1 AND key < $2 AND key > $3 ORDER BY key LIMIT $4`,
      [prefix, end, after ?? "", limit],
    );
    return rows.map((r) => [r.key as string, JSON.parse(r.value as string) as BenchValue]);
  }

  async count(ns: string): Promise<number> {
    const [row] = await this.#run(`SELECT count(*)::int AS n FROM ${await this.#t(ns)}`, []);
    return row?.n as number;
  }

  async clear(ns: string): Promise<void> {
    await this.#run(`TRUNCATE ${await this.#t(ns)}`, []);
  }

  async update(ns: string, key: string, fn: (old: BenchValue) => BenchValue): Promise<void> {
    const old = await this.get(ns, key);
    if (!old) throw new Error(`minimal update: ${key} is missing`);
    await this.#run(`UPDATE ${await this.#t(ns)} SET value = $2 WHERE key = $1`, [
      key,
      JSON.stringify(fn(old)),
    ]);
  }

  async upsertNodes(graph: string, nodes: readonly BenchNode[]): Promise<void> {
    await this.#run(
      `INSERT INTO ${this.#schema}.nodes AS n (graph, id, type, props)
       SELECT $1, i, t, p::jsonb FROM unnest($2::text[], $3::text[], $4::text[]) AS u(i, t, p)
       ON CONFLICT (graph, id) DO UPDATE SET type = excluded.type, props = n.props || excluded.props`,
      [
        graph,
        nodes.map((n) => n.id),
        nodes.map((n) => n.type),
        nodes.map((n) => JSON.stringify(n.props)),
      ],
    );
  }

  async upsertEdges(graph: string, edges: readonly BenchEdge[]): Promise<void> {
    await this.#run(
      `INSERT INTO ${this.#schema}.edges AS e (graph, src, type, dst, props)
       SELECT $1, f, t, d, p::jsonb FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(f, t, d, p)
       ON CONFLICT (graph, src, type, dst) DO UPDATE SET props = e.props || excluded.props`,
      [
        graph,
        edges.map((e) => e.from),
        edges.map((e) => e.type),
        edges.map((e) => e.to),
        edges.map((e) => JSON.stringify(e.props)),
      ],
    );
  }

  async clearGraph(graph: string): Promise<void> {
    await this.#run(
      `WITH e AS (DELETE FROM ${this.#schema}.edges WHERE graph = $1) DELETE FROM ${this.#schema}.nodes WHERE graph = $1`,
      [graph],
    );
  }
}
