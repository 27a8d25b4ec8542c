// Redis raw-minimal: the fastest hand-written code for each job without stowage's guarantees:
// a plain string per key (`SET`/`GET`/`MSET`/`MGET`/`DEL`, `SET … PX` for expiry), no version,
// no index (so no ordered listing and no count: those jobs are left out), `clear` by SCAN MATCH
// + UNLINK (what Keyv does), `update` as GET then SET without a check. Graph writes: one
// pipeline of plain HSETs (no merge with stored props, no endpoint creation). Graph reads use the
// raw-same-guarantees layout and are not repeated here.

import type { Redis } from "ioredis";
import type { BenchEdge, BenchNode, BenchValue, RawOps } from "../scenarios.ts";

export class MinimalRedis implements RawOps {
  readonly #r: Redis;
  readonly #prefix: string;

  constructor(client: Redis, prefix: string) {
    this.#r = client;
    this.#prefix = prefix;
  }

  #k(ns: string, key: string): string {
    return `${this.#prefix}:${ns}:${key}`;
  }

  async set(ns: string, key: string, value: BenchValue): Promise<void> {
    await this.#r.set(this.#k(ns, key), JSON.stringify(value));
  }

  async setWithTtl(ns: string, key: string, value: BenchValue, ttlMs: number): Promise<void> {
    await this.#r.set(this.#k(ns, key), JSON.stringify(value), "PX", ttlMs);
  }

  async get(ns: string, key: string): Promise<BenchValue | undefined> {
    const text = await this.#r.get(this.#k(ns, key));
    return text === null ? undefined : (JSON.parse(text) as BenchValue);
  }

  async delete(ns: string, key: string): Promise<void> {
    await this.#r.unlink(this.#k(ns, key));
  }

  async setMany(ns: string, items: readonly { key: string; value: BenchValue }[]): Promise<void> {
    await this.#r.mset(...items.flatMap((i) => [this.#k(ns, i.key), JSON.stringify(i.value)]));
  }

  async getMany(ns: string, keys: readonly string[]): Promise<(BenchValue | undefined)[]> {
    const texts = await this.#r.mget(keys.map((k) => this.#k(ns, k)));
    return texts.map((t) => (t === null ? undefined : (JSON.parse(t) as BenchValue)));
  }

  async deleteMany(ns: string, keys: readonly string[]): Promise<void> {
    await this.#r.unlink(...keys.map((k) => this.#k(ns, k)));
  }

  async clear(ns: string): Promise<void> {
    let cursor = "0";
    do {
      const [next, keys] = await this.#r.scan(
        cursor,
        "MATCH",
        `${this.#prefix}:${ns}:*`,
        "COUNT",
        1000,
      );
      cursor = next;
      if (keys.length > 0) await this.#r.unlink(...keys);
    } while (cursor !== "0");
  }

  async update(ns: string, key: string, fn: (old: BenchValue) => BenchValue): Promise<void> {
    const old = await this.get(ns, key);
    if (!old) throw new Error(`minimal update: ${key} is missing`);
    await this.set(ns, key, fn(old));
  }

  async upsertNodes(graph: string, nodes: readonly BenchNode[]): Promise<void> {
    const pairs = nodes.flatMap((n) => [n.id, JSON.stringify({ type: n.type, props: n.props })]);
    await this.#r.hset(`${this.#prefix}:g:${graph}:n`, ...pairs);
  }

  async upsertEdges(graph: string, edges: readonly BenchEdge[]): Promise<void> {
    const base = `${this.#prefix}:g:${graph}:`;
    const p = this.#r.pipeline();
    for (const e of edges) {
      const props = JSON.stringify(e.props);
      p.hset(`${base}o:${e.from}`, `${e.type}\u0000${e.to}`, props);
      p.hset(`${base}i:${e.to}`, `${e.type}\u0000${e.from}`, props);
    }
    await p.exec();
  }

  async clearGraph(graph: string): Promise<void> {
    let cursor = "0";
    do {
      const [next, keys] = await this.#r.scan(
        cursor,
        "MATCH",
        `${this.#prefix}:g:${graph}:*`,
        "COUNT",
        1000,
      );
      cursor = next;
      if (keys.length > 0) await this.#r.unlink(...keys);
    } while (cursor !== "0");
  }
}
