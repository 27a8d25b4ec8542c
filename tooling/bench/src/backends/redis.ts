// Redis: the stowage driver against hand-written ioredis code on its own key prefix.
//
// Raw layout (what a careful hand-written app would keep for the same operations):
//   <raw>:kv:{ns}:i             zset (score 0) of keys, for ZRANGEBYLEX listing
//   <raw>:kv:{ns}:v:<key>       string: the value's JSON
//   <raw>:kv:{ns}:n:<key>       counter: the entry's version (+1 per write, like stowage's)
//   <raw>:g:{graph}:n           hash: id -> {"type":…,"props":{…}}
//   <raw>:g:{graph}:o:<id>      hash: "<type>\0<to>"   -> props JSON (out-edges)
//   <raw>:g:{graph}:i:<id>      hash: "<type>\0<from>" -> props JSON (in-edges, a copy)
// Writes of one call are one MULTI or one Lua script; reads are one pipeline; the traversal is a
// breadth-first walk with one pipeline per level.

import { createStore } from "@stowage/core";
import { Redis } from "ioredis";
import { type Backend, firstLine, isSkip, loadFactory } from "../backend.ts";
import type {
  BenchEdge,
  BenchNode,
  BenchValue,
  NeighborOutcome,
  RawOps,
  TraverseOutcome,
} from "../scenarios.ts";
import { prefixEnd } from "../scenarios.ts";
import { MinimalRedis } from "./redis-minimal.ts";

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** Compare-and-set on the version: KEYS value, version; ARGV expected version, new text. Returns the new version or 0. */
const CAS = `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return redis.call('INCR', KEYS[2])`;

/**
 * KEYS: index, then per item its value key and version key. ARGV: per item, key then value JSON.
 * Returns the new versions. (A Lua loop beat MULTI with MSET + 1000 INCR by 1.26× here.)
 */
const SET_MANY = `
local versions, members = {}, {}
for i = 1, #ARGV / 2 do
  redis.call('SET', KEYS[2 * i], ARGV[2 * i])
  versions[i] = redis.call('INCR', KEYS[2 * i + 1])
  members[#members + 1] = 0
  members[#members + 1] = ARGV[2 * i - 1]
end
for i = 1, #members, 1000 do redis.call('ZADD', KEYS[1], unpack(members, i, math.min(i + 999, #members))) end
return versions`;

/**
 * KEYS[1] node hash. ARGV[1] graph base; then per edge: from, type, to, props JSON.
 * Props merge top-level over the stored ones; missing endpoints become bare nodes.
 */
const UPSERT_EDGES = `
local base = ARGV[1]
local bare = '{"type":null,"props":{}}'
for at = 2, #ARGV, 4 do
  local from, ty, to, props = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  redis.call('HSETNX', KEYS[1], from, bare)
  redis.call('HSETNX', KEYS[1], to, bare)
  local ok = base .. 'o:' .. from
  local field = ty .. '\\0' .. to
  local old = redis.call('HGET', ok, field)
  if old then
    local merged = cjson.decode(old)
    for k, v in pairs(cjson.decode(props)) do merged[k] = v end
    props = cjson.encode(merged)
  end
  redis.call('HSET', ok, field, props)
  redis.call('HSET', base .. 'i:' .. to, ty .. '\\0' .. from, props)
end
return 1`;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type RawRedisClient = Redis & {
  benchCas(valueKey: string, versionKey: string, expected: string, next: string): Promise<number>;
  benchUpsertEdges(nodes: string, ...args: string[]): Promise<number>;
  benchSetMany(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number[]>;
};

/** Replies of a pipeline, throwing the first command error. */
function replies(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error("pipeline aborted");
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

export class RawRedis implements RawOps {
  readonly #r: RawRedisClient;
  readonly #prefix: string;

  constructor(client: Redis, prefix: string) {
    client.defineCommand("benchCas", { numberOfKeys: 2, lua: CAS });
    client.defineCommand("benchUpsertEdges", { numberOfKeys: 1, lua: UPSERT_EDGES });
    client.defineCommand("benchSetMany", { lua: SET_MANY }); // number of keys given per call
    this.#r = client as RawRedisClient;
    this.#prefix = prefix;
  }

  #kv(ns: string) {
    const base = `${this.#prefix}:kv:{${ns}}:`;
    return { index: `${base}i`, entry: `${base}v:`, version: `${base}n:` };
  }

  #graph(graph: string) {
    const base = `${this.#prefix}:g:{${graph}}:`;
    return { nodes: `${base}n`, out: `${base}o:`, in: `${base}i:`, base };
  }

  async set(ns: string, key: string, value: BenchValue): Promise<number> {
    const k = this.#kv(ns);
    const [, version] = replies(
      await this.#r
        .multi()
        .set(k.entry + key, JSON.stringify(value))
        .incr(k.version + key)
        .zadd(k.index, 0, key)
        .exec(),
    );
    return version as number;
  }

  async get(ns: string, key: string): Promise<BenchValue | undefined> {
    const text = await this.#r.get(this.#kv(ns).entry + key);
    return text === null ? undefined : (JSON.parse(text) as BenchValue);
  }

  async setMany(
    ns: string,
    items: readonly { key: string; value: BenchValue }[],
  ): Promise<number[]> {
    const k = this.#kv(ns);
    const keys = [k.index];
    const args: string[] = [];
    for (const { key, value } of items) {
      keys.push(k.entry + key, k.version + key);
      args.push(key, JSON.stringify(value));
    }
    return this.#r.benchSetMany(keys.length, ...keys, ...args);
  }

  async getMany(ns: string, keys: readonly string[]): Promise<(BenchValue | undefined)[]> {
    const k = this.#kv(ns);
    const texts = await this.#r.mget(keys.map((key) => k.entry + key));
    return texts.map((t) => (t === null ? undefined : (JSON.parse(t) as BenchValue)));
  }

  async listPage(ns: string, after: string | undefined, limit: number): Promise<string[]> {
    return this.#r.zrangebylex(
      this.#kv(ns).index,
      after === undefined ? "-" : `(${after}`,
      "+",
      "LIMIT",
      0,
      limit,
    );
  }

  async update(ns: string, key: string, fn: (old: BenchValue) => BenchValue): Promise<number> {
    const k = this.#kv(ns);
    const [old, version] = await this.#r.mget(k.entry + key, k.version + key);
    if (old === null || old === undefined || version === null || version === undefined)
      throw new Error(`raw update: ${key} is missing`);
    const next = await this.#r.benchCas(
      k.entry + key,
      k.version + key,
      version,
      JSON.stringify(fn(JSON.parse(old) as BenchValue)),
    );
    if (next === 0) throw new Error(`raw update: ${key} changed meanwhile`);
    return next;
  }

  async upsertNodes(graph: string, nodes: readonly BenchNode[]): Promise<void> {
    // Seeding only (not timed): plain HSET of whole node documents.
    const g = this.#graph(graph);
    const pairs = nodes.flatMap((n) => [n.id, JSON.stringify({ type: n.type, props: n.props })]);
    await this.#r.hset(g.nodes, ...pairs);
  }

  async upsertEdges(graph: string, edges: readonly BenchEdge[]): Promise<void> {
    const g = this.#graph(graph);
    const args = [g.base];
    for (const e of edges) args.push(e.from, e.type, e.to, JSON.stringify(e.props));
    await this.#r.benchUpsertEdges(g.nodes, ...args);
  }

  async setWithTtl(ns: string, key: string, value: BenchValue, ttlMs: number): Promise<number> {
    const k = this.#kv(ns);
    const at = Date.now() + ttlMs;
    const [, version] = replies(
      await this.#r
        .multi()
        .set(k.entry + key, JSON.stringify(value), "PX", ttlMs)
        .incr(k.version + key)
        .pexpire(k.version + key, ttlMs)
        .zadd(k.index, 0, key)
        .zadd(`${k.index}:exp`, at, key)
        .exec(),
    );
    return version as number;
  }

  async delete(ns: string, key: string): Promise<boolean> {
    const k = this.#kv(ns);
    const [n] = replies(
      await this.#r
        .multi()
        .unlink(k.entry + key, k.version + key)
        .zrem(k.index, key)
        .exec(),
    );
    return (n as number) > 0;
  }

  async deleteMany(ns: string, keys: readonly string[]): Promise<void> {
    const k = this.#kv(ns);
    const all = keys.flatMap((key) => [k.entry + key, k.version + key]);
    replies(
      await this.#r
        .multi()
        .unlink(...all)
        .zrem(k.index, ...keys)
        .exec(),
    );
  }

  async entriesPage(
    ns: string,
    prefix: string,
    after: string | undefined,
    limit: number,
  ): Promise<[string, BenchValue][]> {
    const k = this.#kv(ns);
    const end = prefixEnd(prefix);
    const keys = await this.#r.zrangebylex(
      k.index,
      after === undefined ? `[${prefix}` : `(${after}`,
      `(${end}`,
      "LIMIT",
      0,
      limit,
    );
    if (keys.length === 0) return [];
    const texts = await this.#r.mget(keys.map((key) => k.entry + key));
    const out: [string, BenchValue][] = [];
    keys.forEach((key, i) => {
      const t = texts[i];
      if (t !== null && t !== undefined) out.push([key, JSON.parse(t) as BenchValue]);
    });
    return out;
  }

  /** No entry in these namespaces expires, so the index's size is the live count. */
  count(ns: string): Promise<number> {
    return this.#r.zcard(this.#kv(ns).index);
  }

  async clear(ns: string): Promise<void> {
    const k = this.#kv(ns);
    const keys = await this.#r.zrange(k.index, "0", "-1");
    const p = this.#r.multi();
    for (let i = 0; i < keys.length; i += 1000) {
      p.unlink(...keys.slice(i, i + 1000).flatMap((key) => [k.entry + key, k.version + key]));
    }
    replies(await p.unlink(k.index).exec());
  }

  async clearGraph(graph: string): Promise<void> {
    const g = this.#graph(graph);
    const ids = await this.#r.hkeys(g.nodes);
    const p = this.#r.multi();
    for (let i = 0; i < ids.length; i += 1000) {
      p.unlink(...ids.slice(i, i + 1000).flatMap((id) => [g.out + id, g.in + id]));
    }
    replies(await p.unlink(g.nodes).exec());
  }

  async getNodes(graph: string, ids: readonly string[]): Promise<unknown[]> {
    const docs = await this.#r.hmget(this.#graph(graph).nodes, ...ids);
    return docs.map((d, i) =>
      d === null ? undefined : { id: ids[i], ...(JSON.parse(d) as object) },
    );
  }

  async degree(graph: string, id: string): Promise<number> {
    const g = this.#graph(graph);
    const [outs, ins] = replies(
      await this.#r
        .pipeline()
        .hlen(g.out + id)
        .hlen(g.in + id)
        .exec(),
    ) as number[];
    return (outs as number) + (ins as number);
  }

  async neighbors(graph: string, id: string, limit?: number): Promise<NeighborOutcome[]> {
    const all = await this.#allNeighbors(graph, id);
    // This layout keeps no order: a limit still reads, sorts and slices the whole adjacency.
    return limit === undefined ? all : all.slice(0, limit);
  }

  async #allNeighbors(graph: string, id: string): Promise<NeighborOutcome[]> {
    const g = this.#graph(graph);
    const [outs, ins] = replies(
      await this.#r
        .pipeline()
        .hgetall(g.out + id)
        .hgetall(g.in + id)
        .exec(),
    ) as Record<string, string>[];
    const result: NeighborOutcome[] = [];
    for (const field of Object.keys(outs ?? {}).sort(cmp)) {
      const [type, to] = field.split("\u0000") as [string, string];
      result.push({
        id: to,
        direction: "out",
        edge: {
          from: id,
          type,
          to,
          props: JSON.parse((outs as Record<string, string>)[field] as string) as unknown,
        },
      });
    }
    for (const field of Object.keys(ins ?? {}).sort(cmp)) {
      const [type, from] = field.split("\u0000") as [string, string];
      if (from === id) continue; // a self-loop is listed once, as out
      result.push({
        id: from,
        direction: "in",
        edge: {
          from,
          type,
          to: id,
          props: JSON.parse((ins as Record<string, string>)[field] as string) as unknown,
        },
      });
    }
    return result;
  }

  async traverse(graph: string, seed: string, maxDepth: number): Promise<TraverseOutcome> {
    const g = this.#graph(graph);
    const depth = new Map<string, number>([[seed, 0]]);
    const out: TraverseOutcome = { nodes: [], edges: [] };
    let level = [seed];
    // One pipeline per level: the level's node documents and (above the bound) their out-edges.
    for (let d = 0; level.length > 0; d++) {
      const p = this.#r.pipeline().hmget(g.nodes, ...level);
      const expand = d < maxDepth;
      if (expand) for (const id of level) p.hgetall(g.out + id);
      const [docs, ...adjacency] = replies(await p.exec()) as [
        (string | null)[],
        ...Record<string, string>[],
      ];
      const next: string[] = [];
      level.forEach((id, i) => {
        const doc = docs[i];
        if (doc === null || doc === undefined) {
          if (d === 0) depth.delete(id); // a seed that does not exist is not reached
          return;
        }
        const node = JSON.parse(doc) as { type: string | null; props: unknown };
        out.nodes.push({ id, type: node.type, props: node.props, depth: d });
        if (!expand) return;
        const edges = adjacency[i] ?? {};
        for (const field of Object.keys(edges)) {
          const [type, to] = field.split("\u0000") as [string, string];
          if (!depth.has(to)) {
            depth.set(to, d + 1);
            next.push(to);
          }
          out.edges.push({
            from: id,
            type,
            to,
            props: JSON.parse(edges[field] as string) as unknown,
          });
        }
      });
      if (d === 0 && out.nodes.length === 0) return { nodes: [], edges: [] };
      level = next.sort(cmp);
    }
    out.nodes.sort((a, b) => a.depth - b.depth || cmp(a.id, b.id));
    out.edges.sort((a, b) => cmp(a.from, b.from) || cmp(a.type, b.type) || cmp(a.to, b.to));
    return out;
  }
}

/** Deletes every key under `prefix:` (SCAN with a MATCH on our own prefix only; never FLUSHDB). */
export async function deletePrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.unlink(...keys);
  } while (cursor !== "0");
  return deleted;
}

export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

export const redisBackend: Backend = {
  name: "redis",
  async open(run) {
    const url = process.env.STOWAGE_REDIS_URL ?? DEFAULT_REDIS_URL;
    const where = redactRedisUrl(url);
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 2000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {}); // reported through connect() below
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      client.disconnect();
      return {
        skip: `Redis not reachable at ${where} (${firstLine(error)}); set STOWAGE_REDIS_URL`,
      };
    }
    const factory = await loadFactory("@stowage/redis", "createRedisDriver");
    if (isSkip(factory)) {
      client.disconnect();
      return factory;
    }
    const rawPrefix = `benchraw:${run}`;
    const stowagePrefix = `benchstowage:${run}`;
    const store = createStore(factory({ url, prefix: stowagePrefix }));
    const minimalPrefix = `benchmin:${run}`;
    return {
      store,
      raw: new RawRedis(client, rawPrefix),
      minimal: new MinimalRedis(client, minimalPrefix),
      detail: `${where} (stowage prefix ${stowagePrefix}:, raw prefixes ${rawPrefix}:, ${minimalPrefix}:)`,
      async durability() {
        const config = await client.config("GET", "appendonly").catch(() => []);
        const fsync = await client.config("GET", "appendfsync").catch(() => []);
        const save = await client.config("GET", "save").catch(() => []);
        const value = (pair: unknown) => (Array.isArray(pair) ? String(pair[1] ?? "?") : "?");
        return `appendonly=${value(config)}, appendfsync=${value(fsync)}, save="${value(save)}" (server settings: the same for every side)`;
      },
      async close() {
        try {
          await deletePrefix(client, rawPrefix);
          await deletePrefix(client, minimalPrefix);
          // Whatever clear() left behind (the namespace/graph registries) under the run's own prefix.
          await deletePrefix(client, stowagePrefix);
        } finally {
          client.disconnect();
        }
      },
    };
  },
};
