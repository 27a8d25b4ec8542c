// Cost of Redis Cluster against a single node, per operation, in one interleaved run.
//
//   node --conditions=@stowage/source packages/redis/bench/cluster.ts [rounds]
//
// Starts its own servers from the same redis-server binary with the same settings: one single
// node, and a cluster of 3 masters + 3 replicas (tooling/testdb). Each round times every operation
// on both, alternating which goes first; the table shows medians, cluster ÷ single, and the same
// ratio for the best round of each.

import { createStore, type Store } from "@stowage/core";
import { redisServerBin, startRedisCluster } from "@stowage/testdb/redis-cluster";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Cluster, Redis } from "ioredis";
import { createRedisDriver } from "../src/index.ts";

const rounds = Number(process.argv[2] ?? 25);
const bin = redisServerBin();
if (!bin) throw new Error("no redis-server binary (install redis-server 7)");

async function startSingle(): Promise<{ url: string; stop: () => void }> {
  const port = 20_000 + Math.floor(Math.random() * 30_000);
  const dir = mkdtempSync(path.join(tmpdir(), "stowage-bench-single-"));
  const child: ChildProcess = spawn(
    bin as string,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  for (;;) {
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
    probe.on("error", () => {});
    try {
      await probe.connect();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      probe.disconnect();
    }
  }
  process.once("exit", () => child.kill("SIGKILL"));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What an operation runs against: the store, and the raw ioredis client of the same servers. */
type Target = { store: Store; raw: Redis | Cluster };
type Op = { name: string; reps: number; run: (t: Target) => Promise<unknown> };

const keys = Array.from({ length: 1000 }, (_, i) => `k${String(i).padStart(4, "0")}`);
let batch = 0;
const ops: Op[] = [
  // The client's own cost: a plain GET through ioredis' Redis and Cluster clients.
  { name: "raw ioredis GET (no stowage)", reps: 300, run: (t) => t.raw.get("bench:kv:{bench}:v:k0001") },
  { name: "get", reps: 300, run: (t) => t.store.kv("bench").get("k0001") },
  {
    name: "setMany 1k",
    reps: 10,
    run: (t) => t.store.kv("bench-w").setMany(keys.map((key) => ({ key, value: { n: batch++, key } }))),
  },
  { name: "list (page of 100)", reps: 100, run: (t) => t.store.kv("bench").list({ limit: 100 }) },
  {
    name: "traverse depth 3 (156 nodes)",
    reps: 30,
    run: (t) => t.store.graph("bench").traverse("n0", { maxDepth: 3 }),
  },
];

async function prepare(store: Store): Promise<void> {
  await store.kv("bench").setMany(keys.map((key, i) => ({ key, value: { i, key } })));
  // A tree of out-degree 5: 1 + 5 + 25 + 125 nodes.
  const edges = [];
  for (let i = 0; i < 31; i++)
    for (let c = 1; c <= 5; c++) edges.push({ from: `n${i}`, type: "child", to: `n${i * 5 + c}` });
  await store.graph("bench").upsertEdges(edges);
}

async function time(op: Op, target: Target): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < op.reps; i++) await op.run(target);
  return ((performance.now() - started) / op.reps) * 1000; // µs per op
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

// Ctrl-C or a kill: exit handlers (here and in startRedisCluster) stop the servers.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
const single = await startSingle();
const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
const seeds = cluster.nodes.map((n) => ({ host: "127.0.0.1", port: n.port }));
const stores: Record<"single" | "cluster", Target> = {
  single: {
    store: createStore(createRedisDriver({ url: single.url, prefix: "bench" })),
    raw: new Redis(single.url),
  },
  cluster: {
    store: createStore(createRedisDriver({ url: cluster.url, prefix: "bench" })),
    raw: new Cluster(seeds),
  },
};
try {
  await prepare(stores.single.store);
  await prepare(stores.cluster.store);
  const samples = new Map<string, { single: number[]; cluster: number[] }>();
  for (const op of ops) samples.set(op.name, { single: [], cluster: [] });
  for (const op of ops) {
    await time(op, stores.single); // warm-up
    await time(op, stores.cluster);
  }
  for (let r = 0; r < rounds; r++) {
    for (const op of ops) {
      const s = samples.get(op.name) as { single: number[]; cluster: number[] };
      const order = r % 2 === 0 ? (["single", "cluster"] as const) : (["cluster", "single"] as const);
      for (const which of order) s[which].push(await time(op, stores[which]));
    }
  }
  // Medians, and the best round: on a loaded machine the best round is closest to the cost itself.
  console.log(`| operation | single node | cluster (3+3) | cluster ÷ single (median) | (best round) |`);
  console.log(`|---|---:|---:|---:|---:|`);
  const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`);
  for (const op of ops) {
    const s = samples.get(op.name) as { single: number[]; cluster: number[] };
    const [a, b] = [median(s.single), median(s.cluster)];
    const [bestA, bestB] = [Math.min(...s.single), Math.min(...s.cluster)];
    console.log(
      `| ${op.name} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)}× | ${(bestB / bestA).toFixed(2)}× |`,
    );
  }
} finally {
  await stores.single.store.close();
  await stores.cluster.store.close();
  stores.single.raw.disconnect();
  stores.cluster.raw.disconnect();
  single.stop();
  await cluster.stop();
}
