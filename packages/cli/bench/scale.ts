// Scale proof for `stowage export` and `stowage migrate`: seeds a libSQL file with N KV records
// and a graph of M edges (M/2 nodes), then runs the real command in a child process twice —
// export to .jsonl.gz, and migrate (with its verification) into a fresh PostgreSQL database —
// and reports records/s and the child's peak RSS. Run it at two sizes 10× apart: the peak RSS
// must stay flat (streaming, constant memory), and records/s roughly so.
//
//   pnpm --filter @stowage/cli bench:scale -- --records 100000 --edges 10000
//   pnpm --filter @stowage/cli bench:scale -- --records 1000000 --edges 100000
//   pnpm --filter @stowage/cli bench:scale -- --records 0 --edges 0 --vectors 100000 --dims 384
//
// --vectors N adds a collection "bench-vectors" of N random float32 vectors (--dims, default 384,
// cosine, small metadata): migrate's verification then also checksums every vector's bits.
//
// PostgreSQL: --postgres <url> or STOWAGE_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres);
// the user needs CREATEDB. A database is created for the run and dropped afterwards.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openStore, redactUrl } from "@stowage/core";
import postgres from "postgres";
import { registerBundledDrivers } from "../src/drivers.ts";

const argv = process.argv.slice(2);
const { values } = parseArgs({
  // `pnpm … bench:scale -- --records N` passes the `--` on.
  args: argv[0] === "--" ? argv.slice(1) : argv,
  options: {
    records: { type: "string", default: "1000000" },
    edges: { type: "string", default: "100000" },
    postgres: { type: "string" },
    keep: { type: "boolean", default: false },
    vectors: { type: "string", default: "0" },
    dims: { type: "string", default: "384" },
  },
});
const N = Number(values.records);
const M = Number(values.edges);
const K = M > 0 ? Math.max(1, Math.floor(M / 2)) : 0;
const V = Number(values.vectors);
const D = Number(values.dims);
const baseUrl = values.postgres ?? process.env.STOWAGE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dir = mkdtempSync(path.join(tmpdir(), "stowage-scale-"));
const source = `file:${path.join(dir, "source.db")}`;
const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
const preload = fileURLToPath(new URL("./rss-report.mjs", import.meta.url));

function log(text: string): void {
  process.stderr.write(`[scale] ${text}\n`);
}

async function seed(): Promise<void> {
  registerBundledDrivers();
  const store = await openStore(source);
  const started = performance.now();
  try {
    const kv = store.kv<{ i: number; name: string; tags: string[] }>("bench");
    for (let i = 0; i < N; i += 1000) {
      const batch = [];
      for (let j = i; j < Math.min(N, i + 1000); j++) {
        batch.push({ key: `k${String(j).padStart(8, "0")}`, value: { i: j, name: `record ${j}`, tags: ["a", "b", String(j % 97)] } });
      }
      await kv.setMany(batch);
    }
    const g = store.graph("bench-kg");
    for (let i = 0; i < K; i += 1000) {
      const nodes = [];
      for (let j = i; j < Math.min(K, i + 1000); j++) nodes.push({ id: `n${j}`, type: "thing", props: { rank: j % 1000 } });
      await g.upsertNodes(nodes);
    }
    for (let i = 0; i < M; i += 1000) {
      const edges = [];
      for (let j = i; j < Math.min(M, i + 1000); j++) {
        edges.push({ from: `n${j % K}`, type: j < K ? "links" : "cites", to: `n${(j * 31 + 7) % K}`, props: { w: j % 10 } });
      }
      await g.upsertEdges(edges);
    }
    const vectors = store.vectors("bench-vectors", { dims: D, metric: "cosine" });
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    for (let i = 0; i < V; i += 500) {
      const batch = [];
      for (let j = i; j < Math.min(V, i + 500); j++) {
        const vector = new Float32Array(D);
        for (let d = 0; d < D; d++) vector[d] = random();
        batch.push({ id: `v${String(j).padStart(8, "0")}`, vector, metadata: { j, group: j % 10 } });
      }
      await vectors.upsert(batch);
    }
  } finally {
    await store.close();
  }
  log(`seeded ${N} keys, ${K} nodes, ${M} edges, ${V} vectors × ${D} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

interface Run {
  readonly seconds: number;
  readonly maxRssMb: number;
  readonly peakHeapUsedMb: number;
  readonly result: Record<string, unknown>;
}

function stowage(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ["--conditions=@stowage/source", "--experimental-strip-types", "--disable-warning=ExperimentalWarning", `--import=${preload}`, bin, ...args, "--json"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      const rss = /STOWAGE_BENCH_MAXRSS_KB=(\d+) STOWAGE_BENCH_PEAK_HEAP_USED_KB=(\d+)/.exec(err);
      if (code !== 0 || !rss) return reject(new Error(`stowage ${args[0]} exited ${code}: ${err}`));
      // export --json -o FILE prints its result on stdout; the last JSON line is the result.
      const json = out.trim().split("\n").at(-1) ?? "{}";
      resolve({ seconds, maxRssMb: Number(rss[1]) / 1024, peakHeapUsedMb: Number(rss[2]) / 1024, result: JSON.parse(json) });
    });
  });
}

async function main(): Promise<void> {
  log(`N=${N} KV records, graph of ${K} nodes and ${M} edges, ${V} vectors × ${D}; libSQL ${source} → PostgreSQL ${redactUrl(baseUrl)}`);
  await seed();
  const dbName = `stowage_scale_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  const target = new URL(baseUrl);
  target.pathname = `/${dbName}`;
  // Statistics for the freshly loaded tables, as autovacuum would keep them: without them the
  // planner may read a listing page by a bitmap scan and a sort of everything after the cursor.
  // (Servers tuned for benchmarks often run with autovacuum off; this one analyzes for it.)
  const analyzer = postgres(target.toString(), { max: 1, onnotice: () => {} });
  let analyzing = true;
  const analyzeLoop = (async () => {
    while (analyzing) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      if (analyzing) await analyzer.unsafe("ANALYZE").catch(() => {});
    }
  })();
  try {
    const file = path.join(dir, "export.jsonl.gz");
    const exp = await stowage(["export", "--url", source, "-o", file]);
    log(`export: ${exp.seconds.toFixed(1)} s, peak RSS ${exp.maxRssMb.toFixed(0)} MB, peak heap used ${exp.peakHeapUsedMb.toFixed(0)} MB`);
    const mig = await stowage(["migrate", "--from", source, "--to", target.toString()]);
    const records = Number(exp.result.records);
    const verified = (mig.result.verified as { ok?: boolean } | null)?.ok;
    const row = {
      records,
      export: {
        seconds: exp.seconds,
        recordsPerSecond: Math.round(records / exp.seconds),
        maxRssMb: exp.maxRssMb,
        peakHeapUsedMb: exp.peakHeapUsedMb,
        gzipMb: statSync(file).size / 2 ** 20,
      },
      migrate: {
        seconds: mig.seconds,
        copySeconds: Number(mig.result.seconds),
        copyRecordsPerSecond: Number(mig.result.recordsPerSecond),
        maxRssMb: mig.maxRssMb,
        peakHeapUsedMb: mig.peakHeapUsedMb,
        verified,
      },
    };
    console.log(JSON.stringify(row));
    log(
      `| ${records.toLocaleString("en-US")} | export ${exp.seconds.toFixed(1)} s, ${row.export.recordsPerSecond.toLocaleString("en-US")} rec/s, ` +
        `peak RSS ${exp.maxRssMb.toFixed(0)} MB (heap used ${exp.peakHeapUsedMb.toFixed(0)} MB), ${row.export.gzipMb.toFixed(1)} MB gzip | migrate ${mig.seconds.toFixed(1)} s ` +
        `(copy ${row.migrate.copySeconds.toFixed(1)} s, ${row.migrate.copyRecordsPerSecond.toLocaleString("en-US")} rec/s; verify included), ` +
        `peak RSS ${mig.maxRssMb.toFixed(0)} MB (heap used ${mig.peakHeapUsedMb.toFixed(0)} MB), verified ${verified} |`,
    );
    if (verified !== true) process.exitCode = 1;
  } finally {
    analyzing = false;
    await analyzeLoop;
    await analyzer.end();
    if (!values.keep) {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      rmSync(dir, { recursive: true, force: true });
    }
    await admin.end();
  }
}

await main();
