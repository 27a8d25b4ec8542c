// `pnpm bench:scale`: how cost grows with the data. Per backend and size, stowage against
// raw-same-guarantees (the backend's own hand-written baseline) in the same interleaved run:
//   - `list` page (100 keys) and `count` of a namespace of N keys;
//   - `clear` of that namespace (timed once per side, the order alternating between sizes);
//   - `traverse` depth 3 (out, props) on a power-law graph of about E edges.
//
//   pnpm bench:scale --only libsql,postgres --sizes 1000,10000,100000 --edges 10000,100000
//
// Seeding is not timed but is printed (it dominates the wall time at 1M). Answers (count, the
// page, the traversal) are compared before timing. Results: tables and .tmp/bench-scale.json.

import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Backend, firstLine, isSkip } from "./backend.ts";
import { libsqlBackend } from "./backends/libsql.ts";
import { memoryBackend } from "./backends/memory.ts";
import { postgresBackend } from "./backends/postgres.ts";
import { redisBackend } from "./backends/redis.ts";
import { type Budget, compare, formatMs, table } from "./harness.ts";
import {
  type BenchValue,
  canonical,
  keyOf,
  makeGraph,
  makeValue,
  PAGE,
  pickSeed,
  type RawOps,
  TRAVERSE_DEPTH,
} from "./scenarios.ts";

const BACKENDS: readonly Backend[] = [memoryBackend, libsqlBackend, postgresBackend, redisBackend];
const BUDGET: Budget = {
  timeMs: 2000,
  warmupShare: 0.2,
  targetSamples: 60,
  minSamples: 5,
  minSampleMs: 0.5,
};
/** Average out-degree of makeGraph's power law (measured: 101,563 edges for 20,000 nodes). */
const EDGES_PER_NODE = 5.08;

function list(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback).split(",").filter(Boolean);
}

interface Row {
  backend: string;
  job: string;
  size: number;
  stowage: number;
  raw: number | undefined;
  ratio: number;
  seedMs?: number;
  mismatch?: string;
}

const only = list("only", "libsql,postgres");
const sizes = list("sizes", "1000,10000,100000").map(Number);
const edgeSizes = list("edges", "10000,100000").map(Number);
const rows: Row[] = [];
const notes: string[] = [];
const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;

async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function seedKeys(
  kv: { setMany(items: { key: string; value: BenchValue }[]): Promise<unknown> },
  raw: RawOps,
  ns: string,
  n: number,
): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i += 5000) {
    const items = Array.from({ length: Math.min(5000, n - i) }, (_, j) => ({
      key: keyOf(i + j),
      value: makeValue(i + j),
    }));
    await kv.setMany(items);
    await raw.setMany?.(ns, items);
  }
  return performance.now() - t;
}

function show(r: Row): string {
  const raw = r.raw === undefined ? "–" : formatMs(r.raw);
  return `  ${r.job.padEnd(10)} ${String(r.size).padStart(8)}: stowage ${formatMs(r.stowage)}, same ${raw}, ${Number.isNaN(r.ratio) ? "–" : `${r.ratio.toFixed(2)}×`}${r.mismatch ? ` ⚠ ${r.mismatch}` : ""}`;
}

console.log(
  `stowage scale bench — ${new Date().toISOString()} — ${os.availableParallelism()} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${os.loadavg()[0]?.toFixed(2)}`,
);
console.log(
  `keys: ${sizes.join(", ")}; traverse edges: ${edgeSizes.join(", ")}; backends: ${only.join(", ")}`,
);

for (const backend of BACKENDS) {
  if (!only.includes(backend.name)) continue;
  const opened = await backend
    .open(`s${run}`, { sqliteSync: "FULL" })
    .catch((error: unknown) => ({ skip: firstLine(error) }));
  if (isSkip(opened)) {
    notes.push(`${backend.name}: skipped — ${opened.skip}`);
    console.log(`\n${backend.name}: skipped — ${opened.skip}`);
    continue;
  }
  const { store, raw } = opened;
  console.log(`\n${backend.name} — ${opened.detail}`);
  console.log(`  durability: ${(await opened.durability?.()) ?? "n/a"}`);
  try {
    for (const size of sizes) {
      const ns = `scale-${run}-${size}`;
      const kv = store.kv<BenchValue>(ns);
      const seedMs = await seedKeys(kv, raw, ns, size);
      await opened.afterSeed?.();
      console.log(`  seeded ${size} keys on both sides (${formatMs(seedMs)})`);
      const check = async (job: string, a: unknown, b: unknown) =>
        canonical(a) === canonical(b) ? undefined : `${job} answers differ`;
      const countMismatch = raw.count
        ? await check("count", await kv.count(), await raw.count(ns))
        : undefined;
      const pageMismatch = raw.listPage
        ? await check(
            "list",
            (await kv.list({ limit: PAGE })).items,
            await raw.listPage(ns, undefined, PAGE),
          )
        : undefined;
      for (const [job, stowage, baseline, mismatch] of [
        [
          "list page",
          () => kv.list({ limit: PAGE }),
          raw.listPage &&
            (() => (raw.listPage as NonNullable<RawOps["listPage"]>)(ns, undefined, PAGE)),
          pageMismatch,
        ],
        [
          "count",
          () => kv.count(),
          raw.count && (() => (raw.count as NonNullable<RawOps["count"]>)(ns)),
          countMismatch,
        ],
      ] as const) {
        const c = await compare(
          { name: job, description: "", stowage, ...(baseline ? { raw: baseline } : {}) },
          BUDGET,
        );
        const row: Row = {
          backend: backend.name,
          job,
          size,
          stowage: c.stowage.median,
          raw: c.raw?.median,
          ratio: c.ratio,
          seedMs,
          ...(mismatch ? { mismatch } : {}),
        };
        rows.push(row);
        console.log(show(row));
      }
      // clear: destructive, so once per side; who goes first alternates between sizes.
      const order = sizes.indexOf(size) % 2 === 0 ? ["stowage", "raw"] : ["raw", "stowage"];
      const took: Record<string, number> = {};
      for (const side of order) {
        if (side === "stowage") took.stowage = await timeOnce(() => kv.clear());
        else if (raw.clear) took.raw = await timeOnce(() => raw.clear?.(ns) as Promise<unknown>);
      }
      const cleared = await kv.count();
      const row: Row = {
        backend: backend.name,
        job: "clear",
        size,
        stowage: took.stowage as number,
        raw: took.raw,
        ratio: took.raw ? (took.stowage as number) / took.raw : Number.NaN,
        ...(cleared !== 0 ? { mismatch: `${cleared} keys left after clear` } : {}),
      };
      rows.push(row);
      console.log(show(row));
    }
    for (const edges of edgeSizes) {
      const nodes = Math.max(200, Math.round(edges / EDGES_PER_NODE));
      const data = makeGraph({ keys: 0, others: 0, nodes, hubDegree: 0, load: 0 });
      const name = `scale-${run}-g${edges}`;
      const g = store.graph(name);
      const t = performance.now();
      for (let i = 0; i < data.nodes.length; i += 5000) {
        const slice = data.nodes.slice(i, i + 5000);
        await g.upsertNodes(slice);
        await raw.upsertNodes?.(name, slice);
      }
      for (let i = 0; i < data.edges.length; i += 5000) {
        const slice = data.edges.slice(i, i + 5000);
        await g.upsertEdges(slice);
        await raw.upsertEdges?.(name, slice);
      }
      const seedMs = performance.now() - t;
      await opened.afterSeed?.();
      console.log(
        `  seeded ${data.nodes.length} nodes, ${data.edges.length} edges on both sides (${formatMs(seedMs)})`,
      );
      const seedId = pickSeed(data);
      const walk = () => g.traverse(seedId, { maxDepth: TRAVERSE_DEPTH, direction: "out" });
      const rawTraverse = raw.traverse?.bind(raw);
      const rawWalk = rawTraverse && (() => rawTraverse(name, seedId, TRAVERSE_DEPTH));
      let mismatch: string | undefined;
      if (rawWalk) {
        const a = await walk();
        const b = await rawWalk();
        const shape = (
          x:
            | {
                readonly nodes: readonly { id: string; depth: number }[];
                readonly edges: readonly unknown[];
              }
            | undefined,
        ) => x && { nodes: x.nodes.map((n) => [n.id, n.depth]), edges: x.edges.length };
        if (canonical(shape(a)) !== canonical(shape(b))) mismatch = "traverse answers differ";
      }
      const c = await compare(
        { name: "traverse", description: "", stowage: walk, ...(rawWalk ? { raw: rawWalk } : {}) },
        BUDGET,
      );
      const row: Row = {
        backend: backend.name,
        job: "traverse",
        size: data.edges.length,
        stowage: c.stowage.median,
        raw: c.raw?.median,
        ratio: c.ratio,
        seedMs,
        ...(mismatch ? { mismatch } : {}),
      };
      rows.push(row);
      console.log(show(row));
      await g.clear();
      await raw.clearGraph?.(name);
    }
  } catch (error) {
    notes.push(`${backend.name}: failed — ${firstLine(error)}`);
    console.log(`  failed: ${firstLine(error)}`);
  } finally {
    await store.close().catch(() => {});
    await opened.close().catch(() => {});
  }
}

console.log();
console.log(
  table([
    ["backend", "job", "size", "stowage p50", "same p50", "÷ same", "seed"],
    ...rows.map((r) => [
      r.backend,
      r.job,
      String(r.size),
      formatMs(r.stowage),
      r.raw === undefined ? "–" : formatMs(r.raw),
      Number.isNaN(r.ratio) ? "–" : `${r.ratio.toFixed(2)}×${r.mismatch ? " ⚠" : ""}`,
      r.seedMs === undefined ? "" : formatMs(r.seedMs),
    ]),
  ]),
);
for (const n of notes) console.log(n);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const file = path.join(repoRoot, ".tmp/bench-scale.json");
await mkdir(path.dirname(file), { recursive: true });
await writeFile(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), load: os.loadavg(), rows, notes }, null, 2)}\n`,
);
console.log(`results in ${path.relative(repoRoot, file)}`);
process.exit(0);
