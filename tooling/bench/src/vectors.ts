// `pnpm bench:vectors`: vector query latency and recall@10 per driver, against a brute-force
// baseline in the same run (a plain Float32Array scan in JS, timed right before each driver query
// on the same query vector). Per driver variant: upsert N random vectors (batches of 1,000),
// then Q k=10 queries exact and, where the driver declares an approximate path, approximate.
//
//   pnpm bench:vectors --n 10000 --queries 30 --dims 384 --metric cosine
//     --drivers memory,libsql,libsql-index,postgres,postgres-pgvector,redis
//     --option 'postgres={"queryTimeoutMs":60000}'      # driver options as JSON, per variant
//
// A variant whose driver rejects its options, or cannot be reached, is skipped with the reason.
// PostgreSQL and Redis come from STOWAGE_POSTGRES_URL / STOWAGE_REDIS_URL (a schema / key prefix
// of this run's own, removed afterwards). Results: a table and .tmp/bench-vectors.json.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createStore, type Driver, type VectorMetric } from "@stowage/core";
import { firstLine, isSkip, loadFactory, type Skip } from "./backend.ts";
import { formatMs, table } from "./harness.ts";
import { latency, type Metric, PackedVectors, randomVectors, recall } from "./vector-baseline.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** `--option name={json}` (repeatable): options passed to that variant's driver factory. */
function optionOverrides(): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  process.argv.forEach((a, i) => {
    if (a !== "--option") return;
    const spec = process.argv[i + 1] ?? "";
    const eq = spec.indexOf("=");
    if (eq < 1) throw new Error(`--option needs name={json}, got ${JSON.stringify(spec)}`);
    out.set(spec.slice(0, eq), JSON.parse(spec.slice(eq + 1)) as Record<string, unknown>);
  });
  return out;
}

const N = Number(arg("n", "10000"));
const QUERIES = Number(arg("queries", "30"));
const DIMS = Number(arg("dims", "384"));
const K = 10;
const METRIC = arg("metric", "cosine") as Metric;
const DRIVERS = arg("drivers", "memory,libsql,libsql-index,postgres,postgres-pgvector,redis").split(
  ",",
);
const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const pgUrl = process.env.STOWAGE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const redisUrl = process.env.STOWAGE_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Built-in variants: the driver package, its factory and default options (overridable). */
const VARIANTS: Record<string, { pkg: string; factory: string; options: Record<string, unknown> }> =
  {
    memory: { pkg: "@stowage/memory", factory: "createMemoryDriver", options: {} },
    libsql: { pkg: "@stowage/libsql", factory: "createLibsqlDriver", options: {} },
    "libsql-index": {
      pkg: "@stowage/libsql",
      factory: "createLibsqlDriver",
      options: { vectorIndex: true },
    },
    // Exact search at 100k scans for longer than the driver's default 2 s query timeout.
    postgres: {
      pkg: "@stowage/postgres",
      factory: "createPostgresDriver",
      options: { queryTimeoutMs: 300_000 },
    },
    "postgres-pgvector": {
      pkg: "@stowage/postgres",
      factory: "createPostgresDriver",
      options: { vectorIndex: "hnsw", queryTimeoutMs: 300_000 },
    },
    redis: { pkg: "@stowage/redis", factory: "createRedisDriver", options: {} },
  };

interface Opened {
  driver: Driver;
  where: string;
  cleanup(): Promise<void>;
}

async function open(name: string, extra: Record<string, unknown>): Promise<Opened | Skip> {
  const variant = VARIANTS[name];
  if (!variant) return { skip: `unknown variant (known: ${Object.keys(VARIANTS).join(", ")})` };
  const factory = await loadFactory(variant.pkg, variant.factory);
  if (isSkip(factory)) return factory;
  const options = { ...variant.options, ...extra };
  if (variant.pkg === "@stowage/libsql") {
    const dir = await mkdtemp(path.join(os.tmpdir(), "stowage-vbench-"));
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      const url = `file:${path.join(dir, "v.db")}`;
      return { driver: factory({ url, ...options }), where: "file: database", cleanup };
    } catch (error) {
      await cleanup();
      throw error;
    }
  }
  if (variant.pkg === "@stowage/postgres") {
    const schema = `bench_vectors_${run}_${name.replace(/\W/g, "_")}`;
    return {
      driver: factory({ url: pgUrl, schema, ...options }),
      where: `schema ${schema}`,
      async cleanup() {
        const postgres = (await import("postgres")).default;
        const sql = postgres(pgUrl, { onnotice: () => {}, max: 1 });
        try {
          await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await sql.end();
        }
      },
    };
  }
  if (variant.pkg === "@stowage/redis")
    return {
      driver: factory({ url: redisUrl, prefix: `benchvec${run}`, ...options }),
      where: `prefix benchvec${run}`,
      cleanup: async () => {},
    };
  return { driver: factory(options), where: "in-process", cleanup: async () => {} };
}

interface Row {
  variant: string;
  mode: "exact" | "approximate";
  n: number;
  upsertSeconds: number;
  p50: number;
  p95: number;
  bruteP50: number;
  recall: number;
}

const vectors = randomVectors(N, DIMS, 42);
const ids = vectors.map((_, i) => `v${String(i).padStart(7, "0")}`);
const queries = randomVectors(QUERIES + 2, DIMS, 7); // 2 warm-up queries first
const packed = new PackedVectors(ids, vectors);
const truth = queries.map((q) => packed.topK(METRIC, q, K).map((h) => h.id));
const rows: Row[] = [];
const skipped: { variant: string; reason: string }[] = [];

console.log(
  `stowage vector bench — ${new Date().toISOString()} — ${os.availableParallelism()} × ${os.cpus()[0]?.model.trim()}, load ${os.loadavg()[0]?.toFixed(2)}`,
);
console.log(
  `${N} × ${DIMS} ${METRIC}, ${QUERIES} queries, k=${K}; baseline: Float32Array scan in JS`,
);
const overrides = optionOverrides();

for (const name of DRIVERS) {
  const opened = await open(name, overrides.get(name) ?? {}).catch((error: unknown) => ({
    skip: firstLine(error),
  }));
  if (isSkip(opened)) {
    skipped.push({ variant: name, reason: opened.skip });
    console.log(`  ${name}: skipped — ${opened.skip}`);
    continue;
  }
  const store = createStore(opened.driver);
  try {
    if (!store.capabilities.vectors) {
      skipped.push({ variant: name, reason: "driver declares no vectors capability" });
      console.log(`  ${name}: skipped — no vectors capability`);
      continue;
    }
    const approximate = store.capabilities.approximateVectors === true;
    // An index variant whose driver has no approximate path would repeat the exact row.
    if (!approximate && name.includes("-")) {
      const reason = `the driver declares no approximate path with ${JSON.stringify({ ...VARIANTS[name]?.options, ...overrides.get(name) })}`;
      skipped.push({ variant: name, reason });
      console.log(`  ${name}: skipped — ${reason}`);
      continue;
    }
    const c = store.vectors(`bench_${run}`, { dims: DIMS, metric: METRIC as VectorMetric });
    const started = performance.now();
    for (let i = 0; i < N; i += 1000)
      await c.upsert(
        ids.slice(i, i + 1000).map((id, j) => ({ id, vector: vectors[i + j] as Float32Array })),
      );
    const upsertSeconds = (performance.now() - started) / 1000;
    const modes: ("exact" | "approximate")[] = approximate ? ["exact", "approximate"] : ["exact"];
    for (const mode of modes) {
      const ms: number[] = [];
      const bruteMs: number[] = [];
      let hits = 0;
      for (const [i, q] of queries.entries()) {
        // Baseline and driver back to back on the same query: load drifts hit both alike.
        let t = performance.now();
        packed.topK(METRIC, q, K);
        const brute = performance.now() - t;
        t = performance.now();
        const got = await c.query(q, { k: K, exact: mode === "exact" });
        const took = performance.now() - t;
        if (i < 2) continue;
        bruteMs.push(brute);
        ms.push(took);
        hits += recall(
          got.map((h) => h.id),
          truth[i] as string[],
        );
      }
      const l = latency(ms);
      const row: Row = {
        variant: name,
        mode,
        n: N,
        upsertSeconds,
        p50: l.p50,
        p95: l.p95,
        bruteP50: latency(bruteMs).p50,
        recall: hits / QUERIES,
      };
      rows.push(row);
      console.log(
        `  ${name} ${mode}: upsert ${upsertSeconds.toFixed(1)} s; query p50 ${formatMs(row.p50)}, p95 ${formatMs(row.p95)}; brute force p50 ${formatMs(row.bruteP50)}; recall@${K} ${row.recall.toFixed(3)}`,
      );
    }
    await c.drop();
  } catch (error) {
    skipped.push({ variant: name, reason: `failed: ${firstLine(error)}` });
    console.log(`  ${name}: failed — ${firstLine(error)}`);
  } finally {
    await store.close().catch(() => {});
    await opened.cleanup().catch(() => {});
  }
}

console.log();
console.log(
  table([
    ["variant", "mode", "N", "upsert", "query p50", "p95", "brute p50", "÷ brute", `recall@${K}`],
    ...rows.map((r) => [
      r.variant,
      r.mode,
      String(r.n),
      `${r.upsertSeconds.toFixed(1)} s`,
      formatMs(r.p50),
      formatMs(r.p95),
      formatMs(r.bruteP50),
      `${(r.p50 / r.bruteP50).toFixed(2)}×`,
      r.recall.toFixed(3),
    ]),
  ]),
);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const file = path.join(repoRoot, ".tmp/bench-vectors.json");
await mkdir(path.dirname(file), { recursive: true });
await writeFile(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), load: os.loadavg()[0], n: N, dims: DIMS, metric: METRIC, queries: QUERIES, k: K, rows, skipped }, null, 2)}\n`,
);
console.log(`results in ${path.relative(repoRoot, file)}`);
process.exit(0);
