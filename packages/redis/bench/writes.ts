// Where the time of a batch write goes: wall time per call on the client, and the server's own
// time per call (INFO commandstats), for stowage's setMany / deleteMany / graph bulk load and for
// the hand-written baselines doing the same job.
//
//   STOWAGE_REDIS_URL=redis://127.0.0.1:<private port> \
//     node --conditions=@stowage/source packages/redis/bench/writes.ts [rounds]
//
// Use a private server (nothing else running on it): commandstats are server-wide.

import { createStore } from "@stowage/core";
import { Redis } from "ioredis";
import { createRedisDriver } from "../src/index.ts";

const url = process.env.STOWAGE_REDIS_URL;
if (!url) throw new Error("set STOWAGE_REDIS_URL to a private server");
const rounds = Number(process.argv[2] ?? 30);
const only = process.argv[3];
const run = Date.now().toString(36);
const raw = new Redis(url);
const store = createStore(createRedisDriver({ url, prefix: `wb:${run}` }));

const value = (i: number, round: number) => ({
  id: i,
  name: `user ${i}`,
  tags: ["alpha", "beta"],
  score: i * 1.5 + round,
  active: i % 2 === 0,
  blob: "x".repeat(20),
});
const keys = Array.from({ length: 1000 }, (_, i) => `user:${String(i).padStart(7, "0")}`);

/** Server-side usec per command name since the last call. */
async function serverTimes(): Promise<Map<string, { calls: number; usec: number }>> {
  const text = (await raw.info("commandstats")) as string;
  const out = new Map<string, { calls: number; usec: number }>();
  for (const m of text.matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g))
    out.set(m[1] as string, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}

type Job = { name: string; before?: () => Promise<unknown>; run: (round: number) => Promise<unknown> };

const kv = store.kv(`ns`);
const rawSet = (round: number) =>
  raw.mset(...keys.flatMap((k, i) => [`wbmin:${run}:${k}`, JSON.stringify(value(i, round))]));

const G = Number(process.env.G ?? 500);
const nodes = Array.from({ length: G }, (_, i) => ({
  id: `n${i}`,
  type: "person",
  props: { name: `node ${i}`, rank: i },
}));
const edges = Array.from({ length: G }, (_, i) => ({
  from: `n${i}`,
  type: "knows",
  to: `n${(i * 7 + 1) % G}`,
  props: { weight: i % 10 },
}));

const jobs: Job[] = [
  { name: "stowage setMany 1000", run: (r) => kv.setMany(keys.map((k, i) => ({ key: k, value: value(i, r) }))) },
  { name: "raw MSET 1000", run: rawSet },
  {
    name: "stowage deleteMany 1000",
    before: () => kv.setMany(keys.map((k, i) => ({ key: k, value: value(i, 0) }))),
    run: () => kv.deleteMany(keys),
  },
  {
    name: "raw UNLINK 1000",
    before: () => rawSet(0),
    run: () => raw.unlink(...keys.map((k) => `wbmin:${run}:${k}`)),
  },
  {
    name: `stowage bulk ${G}+${G}`,
    before: () => store.graph("g").clear(),
    run: async () => {
      const g = store.graph("g");
      await g.upsertNodes(nodes);
      await g.upsertEdges(edges);
    },
  },
];

for (const job of jobs) {
  if (only && !job.name.includes(only)) continue;
  const walls: number[] = [];
  const server = new Map<string, { calls: number; usec: number; rounds: number[] }>();
  for (let r = 0; r < rounds; r++) {
    await job.before?.();
    const a = await serverTimes();
    const t = performance.now();
    await job.run(r);
    walls.push(performance.now() - t);
    const b = await serverTimes();
    for (const [name, s] of b) {
      const before = a.get(name) ?? { calls: 0, usec: 0 };
      if (name === "info") continue;
      const acc = server.get(name) ?? { calls: 0, usec: 0, rounds: [] };
      acc.calls += s.calls - before.calls;
      acc.usec += s.usec - before.usec;
      acc.rounds.push(s.usec - before.usec);
      if (acc.calls > 0) server.set(name, acc);
    }
  }
  walls.sort((x, y) => x - y);
  const med = walls[Math.floor(walls.length / 2)] as number;
  const parts = [...server]
    .map(([n, s]) => {
      const sorted = [...s.rounds].sort((x, y) => x - y);
      const median = (sorted[Math.floor(sorted.length / 2)] ?? 0) / 1000;
      return `${n} ${median.toFixed(2)} ms p50 (${(s.calls / rounds).toFixed(0)} calls)`;
    })
    .join(", ");
  console.log(`${job.name.padEnd(26)} wall p50 ${med.toFixed(2)} ms, min ${(walls[0] as number).toFixed(2)} | server: ${parts}`);
}
await store.graph("g").clear();
await kv.clear();
let cursor = "0";
do {
  const [next, found] = await raw.scan(cursor, "MATCH", `w*:${run}*`, "COUNT", 1000);
  cursor = next;
  if (found.length > 0) await raw.unlink(...found);
} while (cursor !== "0");
await store.close();
raw.disconnect();
