// What a batch write costs Redis itself: CPU time of the server's main thread (from
// /proc/<pid>/task/<pid>/schedstat, so other processes on a loaded machine do not count), per
// batch, for plain commands, for scripts doing parts of the job, and for stowage's scripts.
//
//   STOWAGE_REDIS_URL=redis://127.0.0.1:<port> REDIS_PID=<redis-server pid> \
//     node --conditions=@stowage/source packages/redis/bench/server-cpu.ts [rounds]
//
// Linux only, and a server on this machine (a private one: nothing else should run on it).

import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { GRAPH_UPSERT_EDGES, GRAPH_UPSERT_NODES } from "../src/graph-scripts.ts";
import { KV_DELETE, KV_SET, Layout } from "../src/schema.ts";

const url = process.env.STOWAGE_REDIS_URL;
const pid = Number(process.env.REDIS_PID);
if (!url || !pid) throw new Error("set STOWAGE_REDIS_URL and REDIS_PID (a private server)");
const rounds = Number(process.argv[2] ?? 25);
const r = new Redis(url);
const cpu = () =>
  Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[0]) / 1000;

// ---- KV: 1000 entries of ~100 bytes ----
const n = 1000;
const prefix = "sc:kv:{ns}:v:";
const userKeys = Array.from({ length: n }, (_, i) => `user:${String(i).padStart(7, "0")}`);
const keys = userKeys.map((k) => prefix + k);
const idx = ["sc:kv:{ns}:i", "sc:kv:{ns}:x"];
const val = (round: number, i: number) =>
  JSON.stringify({
    id: i,
    name: `user ${i}`,
    tags: ["alpha", "beta"],
    score: i * 1.5 + round,
    active: true,
    blob: "x".repeat(20),
  });
/** The bench's raw-same-guarantees setMany (tooling/bench/src/backends/redis.ts). */
const RAW_SAME = `
local versions, members = {}, {}
for i = 1, #ARGV / 2 do
  redis.call('SET', KEYS[2 * i], ARGV[2 * i])
  versions[i] = redis.call('INCR', KEYS[2 * i + 1])
  members[#members + 1] = 0
  members[#members + 1] = ARGV[2 * i - 1]
end
for i = 1, #members, 1000 do redis.call('ZADD', KEYS[1], unpack(members, i, math.min(i + 999, #members))) end
return versions`;
const stowageArgs = (round: number) => [
  ...idx,
  ...keys,
  Date.now(),
  Buffer.byteLength(prefix),
  "",
  ...userKeys.map((_, i) => `:${val(round, i)}`),
];
const PASS = "for i = 1, #KEYS - 2 do t[2 * i - 1] = KEYS[2 + i] t[2 * i] = ARGV[3 + i] end";
const MSET_T = "for f = 1, #t, 1000 do redis.call('MSET', unpack(t, f, math.min(f + 999, #t))) end";
const MGET_K =
  "for f = 1, #KEYS - 2, 500 do redis.call('MGET', unpack(KEYS, 2 + f, 2 + math.min(f + 499, #KEYS - 2))) end";

type Job = { name: string; before?: (round: number) => Promise<unknown>; run: (round: number) => Promise<unknown> };
const refill = async (round: number) => {
  await r.mset(...keys.flatMap((k, i) => [k, `1::${val(round, i)}`]));
  await r.mset(...keys.flatMap((k, i) => [`sc:min:${k}`, val(round, i)]));
  await r.zadd(idx[0] as string, ...userKeys.flatMap((k) => [0, k]));
};

// ---- graph: G nodes, then G edges between them, into an empty graph ----
const G = 5000;
const g = new Layout("sc").graph("g");
const nodeArgs: string[] = ["merge"];
const nodePairs: string[] = [];
for (let i = 0; i < G; i++) {
  const props = `{\n"name"\t:"node ${i}",\n"rank"\t:${i}}`;
  nodeArgs.push(`n${i}`, "set", "person", props);
  nodePairs.push(`n${i}`, `person\0${props}`);
}
const edgeArgs: string[] = ["merge"];
for (let i = 0; i < G; i++)
  edgeArgs.push(`n${i}`, "knows", `n${(i * 7 + 1) % G}`, `{\n"weight"\t:${i % 10}}`);
const emptyGraph = () => r.del(...g.all, "sc:raw:h");

const jobs: Job[] = [
  { name: "MSET 1000 (raw-minimal)", run: (round) => r.mset(...keys.flatMap((k, i) => [`sc:min:${k}`, val(round, i)])) },
  {
    name: "raw-same setMany script",
    run: (round) =>
      r.eval(RAW_SAME, 1 + 2 * n, "sc:same:i", ...keys.flatMap((k) => [`sc:same:v:${k}`, `sc:same:n:${k}`]), ...userKeys.flatMap((k, i) => [k, val(round, i)])),
  },
  { name: "Lua: nothing, same args", run: (round) => r.eval("return 1", n + 2, ...stowageArgs(round)) },
  { name: "Lua: MSET of the args", run: (round) => r.eval(`local t = {} ${PASS} ${MSET_T} return 1`, n + 2, ...stowageArgs(round)) },
  { name: "Lua: MGET + MSET", run: (round) => r.eval(`local t = {} ${MGET_K} ${PASS} ${MSET_T} return 1`, n + 2, ...stowageArgs(round)) },
  { name: "stowage KV_SET 1000", run: (round) => r.eval(KV_SET.lua, n + 2, ...stowageArgs(round)) },
  { name: "UNLINK 1000 (raw-minimal)", before: refill, run: () => r.unlink(...keys.map((k) => `sc:min:${k}`)) },
  {
    name: "stowage KV_DELETE 1000",
    before: refill,
    run: () => r.eval(KV_DELETE.lua, n + 2, ...idx, ...keys, Date.now(), Buffer.byteLength(prefix), ""),
  },
  { name: `HSET ${G} nodes (raw)`, before: emptyGraph, run: () => r.hset("sc:raw:h", ...nodePairs) },
  {
    name: `HSET + 2 ZADD ${G} (raw)`,
    before: emptyGraph,
    run: () =>
      r
        .pipeline()
        .hset("sc:raw:h", ...nodePairs)
        .zadd("sc:raw:z", ...nodePairs.flatMap((p, i) => (i % 2 ? [] : [0, p])))
        .zadd("sc:raw:t", ...nodePairs.flatMap((p, i) => (i % 2 ? [] : [0, `person\0${p}`])))
        .exec(),
  },
  { name: `Lua: nothing, ${G} nodes' args`, run: () => r.eval("return 1", 0, ...nodeArgs) },
  { name: `stowage upsertNodes ${G}`, before: emptyGraph, run: () => r.eval(GRAPH_UPSERT_NODES.lua, 8, ...g.all, ...nodeArgs) },
  {
    name: `stowage upsertEdges ${G}`,
    before: async () => {
      await emptyGraph();
      await r.eval(GRAPH_UPSERT_NODES.lua, 8, ...g.all, ...nodeArgs);
    },
    run: () => r.eval(GRAPH_UPSERT_EDGES.lua, 8, ...g.all, ...edgeArgs),
  },
];

for (const job of jobs) {
  const per: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await (job.before ?? refill)(round);
    const started = cpu();
    await job.run(round);
    per.push(cpu() - started);
  }
  per.sort((x, y) => x - y);
  const p50 = per[Math.floor(per.length / 2)] as number;
  console.log(`${job.name.padEnd(30)} server CPU p50 ${(p50 / 1000).toFixed(2)} ms, min ${((per[0] as number) / 1000).toFixed(2)} ms`);
}
await emptyGraph();
let cursor = "0";
do {
  const [next, found] = await r.scan(cursor, "MATCH", "sc:*", "COUNT", 1000);
  cursor = next;
  if (found.length > 0) await r.unlink(...found);
} while (cursor !== "0");
r.disconnect();
