// Memory cost of stowage's layout against plain Redis commands, per small key.
//
//   node --conditions=@stowage/source packages/redis/bench/memory.ts [redis://…] [count]
//
// Uses STOWAGE_REDIS_URL (or the first argument, default redis://127.0.0.1:6379); writes only
// under a fresh "bench-…" prefix and deletes it afterwards. Measures both INFO used_memory deltas
// (what the server really allocated, including dict growth) and MEMORY USAGE sums per structure.
// A quiet server gives stable numbers; other clients writing at the same time add noise.

import { randomUUID } from "node:crypto";
import { createStore, encodeValue } from "@stowage/core";
import { Redis } from "ioredis";
import { createRedisDriver } from "../src/index.ts";

const url = process.argv[2] ?? process.env.STOWAGE_REDIS_URL ?? "redis://127.0.0.1:6379";
const count = Number(process.argv[3] ?? 10_000);
const prefix = `bench-${randomUUID().slice(0, 8)}`;
const raw = new Redis(url);

const keyOf = (i: number) => `user:${String(i).padStart(6, "0")}`;
const valueOf = (i: number) => ({ n: i, ok: true });

async function usedMemory(): Promise<number> {
  const info = await raw.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

async function memoryUsage(keys: string[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < keys.length; i += 1000) {
    const p = raw.pipeline();
    for (const k of keys.slice(i, i + 1000)) p.memory("USAGE", k, "SAMPLES", "0");
    for (const [, v] of (await p.exec()) ?? []) total += Number(v ?? 0);
  }
  return total;
}

async function scan(pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await raw.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found;
}

async function measure(label: string, write: () => Promise<void>, pattern: string) {
  const before = await usedMemory();
  await write();
  const after = await usedMemory();
  const keys = await scan(pattern);
  const usage = await memoryUsage(keys);
  return { label, keys: keys.length, usedPerKey: (after - before) / count, usagePerKey: usage / count };
}

async function main() {
  const store = createStore(createRedisDriver({ url, prefix }));
  const encoded = encodeValue(valueOf(0), { maxBytes: 1024 });
  const rows = [];
  try {
    await store.ping();
    rows.push(
      await measure(
        "plain SET",
        async () => {
          for (let i = 0; i < count; i += 1000) {
            const p = raw.pipeline();
            for (let j = i; j < Math.min(i + 1000, count); j++) p.set(`${prefix}:plain:${keyOf(j)}`, encodeValue(valueOf(j), { maxBytes: 1024 }));
            await p.exec();
          }
        },
        `${prefix}:plain:*`,
      ),
    );
    rows.push(
      await measure(
        "stowage set",
        async () => {
          const kv = store.kv("plain");
          for (let i = 0; i < count; i += 1000) {
            await kv.setMany(Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ key: keyOf(i + j), value: valueOf(i + j) })));
          }
        },
        `${prefix}:kv:{plain}:*`,
      ),
    );
    rows.push(
      await measure(
        "plain SET PX",
        async () => {
          for (let i = 0; i < count; i += 1000) {
            const p = raw.pipeline();
            for (let j = i; j < Math.min(i + 1000, count); j++) p.set(`${prefix}:ttl:${keyOf(j)}`, encodeValue(valueOf(j), { maxBytes: 1024 }), "PX", 3_600_000);
            await p.exec();
          }
        },
        `${prefix}:ttl:*`,
      ),
    );
    rows.push(
      await measure(
        "stowage set ttlMs",
        async () => {
          const kv = store.kv("ttl");
          for (let i = 0; i < count; i += 1000) {
            await kv.setMany(Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ key: keyOf(i + j), value: valueOf(i + j), ttlMs: 3_600_000 })));
          }
        },
        `${prefix}:kv:{ttl}:*`,
      ),
    );
    const indexes = {
      index: (await memoryUsage([`${prefix}:kv:{plain}:i`])) / count,
      entries: (await memoryUsage((await scan(`${prefix}:kv:{plain}:v:*`)))) / count,
      expiry: (await memoryUsage([`${prefix}:kv:{ttl}:x`])) / count,
    };
    rows.push(
      await measure(
        "graph node (type, 1 prop)",
        async () => {
          const g = store.graph("nodes");
          for (let i = 0; i < count; i += 1000) {
            await g.upsertNodes(Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ id: keyOf(i + j), type: "user", props: { n: i + j } })));
          }
        },
        `${prefix}:g:{nodes}:*`,
      ),
    );
    rows.push(
      await measure(
        "graph edge (no props), chain",
        async () => {
          const g = store.graph("edges");
          // Endpoints first, so the delta below is the edges' own cost.
          await g.upsertNodes(Array.from({ length: count + 1 }, (_, i) => ({ id: keyOf(i) })));
        },
        `${prefix}:g:{edges}:*`,
      ),
    );
    const nodesOnly = rows.pop() as (typeof rows)[number];
    const edgeRow = await measure(
      "graph edge (no props)",
      async () => {
        const g = store.graph("edges");
        for (let i = 0; i < count; i += 1000) {
          await g.upsertEdges(Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ from: keyOf(i + j), type: "next", to: keyOf(i + j + 1) })));
        }
      },
      `${prefix}:g:{edges}:*`,
    );
    rows.push({ ...edgeRow, usagePerKey: edgeRow.usagePerKey - nodesOnly.usagePerKey });
    // The same with two small props (the edge's props are kept in the props hash and, copied, in
    // both adjacency members).
    const propNodes = await measure(
      "graph edge (2 props), endpoints",
      async () => {
        await store.graph("edgesp").upsertNodes(Array.from({ length: count + 1 }, (_, i) => ({ id: keyOf(i) })));
      },
      `${prefix}:g:{edgesp}:*`,
    );
    const propRow = await measure(
      'graph edge (props {"weight":n,"since":2000})',
      async () => {
        const g = store.graph("edgesp");
        for (let i = 0; i < count; i += 1000) {
          await g.upsertEdges(
            Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ from: keyOf(i + j), type: "next", to: keyOf(i + j + 1), props: { weight: (i + j) % 10, since: 2000 } })),
          );
        }
      },
      `${prefix}:g:{edgesp}:*`,
    );
    rows.push({ ...propRow, usagePerKey: propRow.usagePerKey - propNodes.usagePerKey });

    const info = await raw.info("server");
    console.log(`Redis ${/redis_version:(\S+)/.exec(info)?.[1]}, ${count} keys, key like "${keyOf(1)}", value ${JSON.stringify(valueOf(1))} (${encoded.length} bytes encoded)`);
    console.log("| what | bytes per key (used_memory delta) | bytes per key (MEMORY USAGE sum) |");
    console.log("|---|---:|---:|");
    for (const r of rows) console.log(`| ${r.label} | ${r.usedPerKey.toFixed(0)} | ${r.usagePerKey.toFixed(0)} |`);
    console.log(
      `stowage set per key: entry ${indexes.entries.toFixed(0)} B + lex index ${indexes.index.toFixed(0)} B; expiry index ${indexes.expiry.toFixed(0)} B per key with a TTL`,
    );
  } finally {
    await store.close();
    const keys = await scan(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await raw.unlink(...keys.slice(i, i + 1000));
    raw.disconnect();
  }
}

await main();
