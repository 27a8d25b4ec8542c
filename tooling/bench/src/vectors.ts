// Vector search bench: per driver, upsert N random 384-dim vectors, then time k=10 queries and
// measure recall@10 against a brute-force baseline (core's bruteForceTopK in this process, also
// timed). Run: node --conditions=@stowage/source tooling/bench/src/vectors.ts
//   --n 10000 --queries 10 --drivers memory,libsql,libsql-index,postgres,redis --metric cosine
// PostgreSQL and Redis need STOWAGE_POSTGRES_URL / STOWAGE_REDIS_URL; each run uses its own
// schema / key prefix and removes it afterwards.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  bruteForceTopK,
  createStore,
  type Driver,
  type Store,
  type VectorMetric,
} from "@stowage/core";
import { createLibsqlDriver } from "@stowage/libsql";
import { createMemoryDriver } from "@stowage/memory";
import { createPostgresDriver } from "@stowage/postgres";
import { createRedisDriver } from "@stowage/redis";
import postgres from "postgres";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const N = Number(arg("n", "10000"));
const QUERIES = Number(arg("queries", "10"));
const DIMS = Number(arg("dims", "384"));
const METRIC = arg("metric", "cosine") as VectorMetric;
const DRIVERS = arg("drivers", "memory,libsql,postgres,redis").split(",");
const run = Math.random().toString(36).slice(2, 8);

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

const rnd = random(42);
const items = Array.from({ length: N }, (_, i) => ({
  id: `v${i}`,
  vector: Float32Array.from({ length: DIMS }, () => rnd() * 2 - 1),
}));
const queries = Array.from({ length: QUERIES }, () =>
  Float32Array.from({ length: DIMS }, () => rnd() * 2 - 1),
);

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)] ?? 0;
  const p95 = s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] ?? 0;
  return `median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`;
}

const baselineMs: number[] = [];
const truth = queries.map((q) => {
  const started = performance.now();
  const top = bruteForceTopK(METRIC, q, items, 10);
  baselineMs.push(performance.now() - started);
  return new Set(top.map((h) => h.id));
});
console.log(`vectors bench: ${N} x ${DIMS} ${METRIC}, ${QUERIES} queries, k=10`);
console.log(`  brute force in JS (baseline): ${stats(baselineMs)}`);

async function open(
  name: string,
): Promise<{ driver: Driver; cleanup: () => Promise<void> } | undefined> {
  if (name === "memory") return { driver: createMemoryDriver(), cleanup: async () => {} };
  if (name === "libsql" || name === "libsql-index") {
    const dir = await mkdtemp(path.join(os.tmpdir(), "stowage-vbench-"));
    const driver = createLibsqlDriver({
      url: `file:${path.join(dir, "v.db")}`,
      vectorIndex: name === "libsql-index",
    });
    return { driver, cleanup: () => rm(dir, { recursive: true, force: true }) };
  }
  if (name === "postgres") {
    const url = process.env.STOWAGE_POSTGRES_URL;
    if (!url) return undefined;
    const schema = `bench_vectors_${run}`;
    return {
      driver: createPostgresDriver({ url, schema }),
      cleanup: async () => {
        const sql = postgres(url, { onnotice: () => {} });
        await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await sql.end();
      },
    };
  }
  if (name === "redis") {
    const url = process.env.STOWAGE_REDIS_URL;
    if (!url) return undefined;
    return {
      driver: createRedisDriver({ url, prefix: `benchvec${run}` }),
      cleanup: async () => {},
    };
  }
  throw new Error(`unknown driver ${name}`);
}

for (const name of DRIVERS) {
  const opened = await open(name);
  if (!opened) {
    console.log(`  ${name}: skipped (no URL)`);
    continue;
  }
  const store: Store = createStore(opened.driver);
  const c = store.vectors("bench", { dims: DIMS, metric: METRIC });
  try {
    let started = performance.now();
    for (let i = 0; i < items.length; i += 1000) await c.upsert(items.slice(i, i + 1000));
    const upsertMs = performance.now() - started;
    for (const exact of store.capabilities.approximateVectors ? [true, false] : [true]) {
      const ms: number[] = [];
      let hits = 0;
      for (const [i, q] of queries.entries()) {
        started = performance.now();
        const got = await c.query(q, { k: 10, exact });
        ms.push(performance.now() - started);
        hits += got.filter((h) => truth[i]?.has(h.id)).length;
      }
      const label = `${name}${exact ? "" : " (approximate)"}`;
      console.log(
        `  ${label}: upsert ${(upsertMs / 1000).toFixed(1)} s; query ${stats(ms)}; recall@10 ${(hits / (QUERIES * 10)).toFixed(3)}`,
      );
    }
  } finally {
    await c.drop().catch(() => {});
    await store.close();
    await opened.cleanup();
  }
}
