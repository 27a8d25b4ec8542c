// libSQL raw-minimal: the fastest hand-written code for each job without stowage's guarantees.
// KV: one table per namespace `(key TEXT PRIMARY KEY, value TEXT, expires_at INTEGER) WITHOUT
// ROWID`: no version, reads ignore expiry, `update` reads then writes without a version check.
// Graph writes: no endpoint creation (edges as given), one statement each. Graph reads are the
// same SQL as raw-same-guarantees (nothing cheaper does the same job) and are not repeated here.

import type { InValue } from "@libsql/client";
import { PreparedSqlite } from "./libsql-prepared.ts";
import type { BenchEdge, BenchNode, BenchValue, RawOps } from "../scenarios.ts";
import { prefixEnd } from "../scenarios.ts";

/** `synchronous=…, journal_mode=…` as the connection reports them. */
export async function describePragmas(db: PreparedSqlite): Promise<string> {
  const sync = await db.execute("PRAGMA synchronous");
  const journal = await db.execute("PRAGMA journal_mode");
  const names = ["OFF", "NORMAL", "FULL", "EXTRA"];
  return `synchronous=${names[Number(sync.rows[0]?.[0])]}, journal_mode=${String(journal.rows[0]?.[0]).toUpperCase()}`;
}

export class MinimalLibsql implements RawOps {
  readonly #db: PreparedSqlite;
  readonly #tables = new Set<string>();

  constructor(db: PreparedSqlite) {
    this.#db = db;
  }

  static async open(url: string, pragmas: readonly string[]): Promise<MinimalLibsql> {
    const db = PreparedSqlite.open(url);
    for (const p of pragmas) await db.execute(p);
    await db.execute(
      "CREATE TABLE nodes (graph TEXT NOT NULL, id TEXT NOT NULL, type TEXT, props TEXT NOT NULL, PRIMARY KEY (graph, id)) WITHOUT ROWID",
    );
    await db.execute(
      "CREATE TABLE edges (graph TEXT NOT NULL, src TEXT NOT NULL, type TEXT NOT NULL, dst TEXT NOT NULL, props TEXT NOT NULL, PRIMARY KEY (graph, src, type, dst)) WITHOUT ROWID",
    );
    await db.execute("CREATE INDEX edges_in ON edges (graph, dst, type, src)");
    return new MinimalLibsql(db);
  }

  pragmas(): Promise<string> {
    return describePragmas(this.#db);
  }

  async #t(ns: string): Promise<string> {
    const name = `"kv_${ns.replace(/[^A-Za-z0-9_]/g, "_")}"`;
    if (!this.#tables.has(name)) {
      await this.#db.execute(
        `CREATE TABLE IF NOT EXISTS ${name} (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER) WITHOUT ROWID`,
      );
      this.#tables.add(name);
    }
    return name;
  }

  async #run(sql: string, args: InValue[]) {
    return this.#db.execute({ sql, args });
  }

  async #json<T>(sql: string, args: InValue[]): Promise<T[]> {
    const rs = await this.#db.execute({ sql, args });
    return JSON.parse((rs.rows[0]?.[0] as string | undefined) ?? "[]") as T[];
  }

  async set(ns: string, key: string, value: BenchValue): Promise<void> {
    const t = await this.#t(ns);
    await this.#run(
      `INSERT INTO ${t} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [key, JSON.stringify(value)],
    );
  }

  async setWithTtl(ns: string, key: string, value: BenchValue, ttlMs: number): Promise<void> {
    const t = await this.#t(ns);
    await this.#run(
      `INSERT INTO ${t} (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      [key, JSON.stringify(value), Date.now() + ttlMs],
    );
  }

  async get(ns: string, key: string): Promise<BenchValue | undefined> {
    const rs = await this.#run(`SELECT value FROM ${await this.#t(ns)} WHERE key = ?`, [key]);
    const text = rs.rows[0]?.[0];
    return text === undefined ? undefined : (JSON.parse(text as string) as BenchValue);
  }

  async delete(ns: string, key: string): Promise<void> {
    await this.#run(`DELETE FROM ${await this.#t(ns)} WHERE key = ?`, [key]);
  }

  async setMany(ns: string, items: readonly { key: string; value: BenchValue }[]): Promise<void> {
    const t = await this.#t(ns);
    await this.#run(
      `INSERT INTO ${t} (key, value) SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?) AS j WHERE true
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [JSON.stringify(items.map((i) => [i.key, JSON.stringify(i.value)]))],
    );
  }

  async getMany(ns: string, keys: readonly string[]): Promise<(BenchValue | undefined)[]> {
    const rows = await this.#json<[number, string]>(
      `SELECT json_group_array(json_array(j.key, t.value)) FROM json_each(?) AS j CROSS JOIN ${await this.#t(ns)} AS t ON t.key = j.value`,
      [JSON.stringify(keys)],
    );
    const out: (BenchValue | undefined)[] = new Array(keys.length).fill(undefined);
    for (const [i, value] of rows) out[i] = JSON.parse(value) as BenchValue;
    return out;
  }

  async deleteMany(ns: string, keys: readonly string[]): Promise<void> {
    await this.#run(
      `DELETE FROM ${await this.#t(ns)} WHERE key IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(keys)],
    );
  }

  async listPage(ns: string, after: string | undefined, limit: number): Promise<string[]> {
    return this.#json<string>(
      `SELECT json_group_array(key) FROM (SELECT key FROM ${await this.#t(ns)} WHERE key > ? ORDER BY key LIMIT ?)`,
      [after ?? "", limit],
    );
  }

  async entriesPage(
    ns: string,
    prefix: string,
    after: string | undefined,
    limit: number,
  ): Promise<[string, BenchValue][]> {
    const end = prefixEnd(prefix);
    const rows = await this.#json<[string, string]>(
      `SELECT json_group_array(json_array(key, value)) FROM (
         SELECT key, value FROM ${await this.#t(ns)} WHERE key >= ? AND key < ? AND key > ? ORDER BY key LIMIT ?)`,
      [prefix, end, after ?? "", limit],
    );
    return rows.map(([k, v]) => [k, JSON.parse(v) as BenchValue]);
  }

  async count(ns: string): Promise<number> {
    const rs = await this.#run(`SELECT count(*) FROM ${await this.#t(ns)}`, []);
    return rs.rows[0]?.[0] as number;
  }

  async clear(ns: string): Promise<void> {
    await this.#run(`DELETE FROM ${await this.#t(ns)}`, []);
  }

  async update(ns: string, key: string, fn: (old: BenchValue) => BenchValue): Promise<void> {
    const old = await this.get(ns, key);
    if (!old) throw new Error(`minimal update: ${key} is missing`);
    await this.#run(`UPDATE ${await this.#t(ns)} SET value = ? WHERE key = ?`, [
      JSON.stringify(fn(old)),
      key,
    ]);
  }

  async upsertNodes(graph: string, nodes: readonly BenchNode[]): Promise<void> {
    await this.#run(
      `INSERT INTO nodes (graph, id, type, props) SELECT ?, j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(?) AS j WHERE true
       ON CONFLICT (graph, id) DO UPDATE SET type = excluded.type, props = json_patch(props, excluded.props)`,
      [graph, JSON.stringify(nodes.map((n) => [n.id, n.type, JSON.stringify(n.props)]))],
    );
  }

  async upsertEdges(graph: string, edges: readonly BenchEdge[]): Promise<void> {
    await this.#run(
      `INSERT INTO edges (graph, src, type, dst, props) SELECT ?, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3 FROM json_each(?) AS j WHERE true
       ON CONFLICT (graph, src, type, dst) DO UPDATE SET props = json_patch(props, excluded.props)`,
      [graph, JSON.stringify(edges.map((e) => [e.from, e.type, e.to, JSON.stringify(e.props)]))],
    );
  }

  async clearGraph(graph: string): Promise<void> {
    await this.#run("DELETE FROM edges WHERE graph = ?", [graph]);
    await this.#run("DELETE FROM nodes WHERE graph = ?", [graph]);
  }

  close(): void {
    this.#db.close();
  }
}
