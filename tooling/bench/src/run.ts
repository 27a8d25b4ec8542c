// `pnpm bench [--quick] [--only memory,libsql,postgres,redis]`
// Runs every scenario on every reachable backend, stowage against the raw client in the same
// run, prints a table per backend and writes .tmp/bench-results.json at the repository root.
// Exits 0 whatever the ratios: benchmarks inform, they do not gate.

import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./args.ts";
import { type Backend, type BackendOptions, firstLine, isSkip } from "./backend.ts";
import { libsqlBackend } from "./backends/libsql.ts";
import { memoryBackend } from "./backends/memory.ts";
import { postgresBackend } from "./backends/postgres.ts";
import { redisBackend } from "./backends/redis.ts";
import { openKeyv } from "./keyv.ts";
import {
  type Budget,
  type Comparison,
  compare,
  FULL_BUDGET,
  formatMs,
  GOAL_RATIO,
  KEYV_GOAL_RATIO,
  MINIMAL_GOAL_RATIO,
  QUICK_BUDGET,
  table,
} from "./harness.ts";
import {
  type DataConfig,
  FULL_DATA,
  makeGraph,
  namesFor,
  QUICK_DATA,
  scenarios,
  seed,
  verify,
} from "./scenarios.ts";

const BACKENDS: readonly Backend[] = [memoryBackend, libsqlBackend, postgresBackend, redisBackend];

interface BackendReport {
  name: string;
  detail?: string;
  durability?: string;
  /** The Keyv side: adapter and durability, or why it was skipped. */
  keyv?: string;
  skipped?: string;
  /** Differences found between stowage's and the raw answers before timing (should be empty). */
  mismatches?: string[];
  results: Comparison[];
  errors: { scenario: string; error: string }[];
}

interface RunSettings {
  readonly budget: Budget;
  readonly run: string;
  readonly data: DataConfig;
  readonly options: BackendOptions;
  readonly scenarios: string[] | undefined;
  /** Whether to add the Keyv 5 comparison to the KV scenarios. */
  readonly keyv: boolean;
}

async function runBackend(backend: Backend, settings: RunSettings): Promise<BackendReport> {
  const report: BackendReport = { name: backend.name, results: [], errors: [] };
  const opened = await backend
    .open(settings.run, settings.options)
    .catch((error: unknown) => ({ skip: `could not open: ${firstLine(error)}` }));
  if (isSkip(opened)) {
    report.skipped = opened.skip;
    console.log(`\n${backend.name}: skipped — ${opened.skip}`);
    return report;
  }
  const { store } = opened;
  const keyv = settings.keyv
    ? await openKeyv(backend.name, settings.run, settings.options).catch((error: unknown) => ({
        skip: `could not open: ${firstLine(error)}`,
      }))
    : { skip: "--no-keyv" };
  const sides = {
    store,
    raw: opened.raw,
    ...(opened.minimal ? { minimal: opened.minimal } : {}),
    ...(isSkip(keyv) ? {} : { keyv: keyv.ops }),
  };
  report.detail = opened.detail;
  console.log(`\n${backend.name} — ${opened.detail}`);
  const names = namesFor(settings.run);
  const graph = makeGraph(settings.data);
  try {
    report.durability = (await opened.durability?.()) ?? "n/a";
    console.log(`  durability: ${report.durability}`);
    if (isSkip(keyv)) {
      report.keyv = `skipped: ${keyv.skip}`;
      console.log(`  keyv: skipped — ${keyv.skip}`);
    } else {
      report.keyv = `${keyv.detail}; durability: ${await keyv.durability()}`;
      console.log(`  keyv: ${report.keyv}`);
    }
    await seed(sides, names, settings.data, graph, (line) => console.log(`  seeded ${line}`));
    await opened.afterSeed?.();
    report.mismatches = await verify(sides, names, graph);
    for (const m of report.mismatches) console.log(`  ⚠ answers differ — ${m}`);
    const wanted = settings.scenarios;
    for (const scenario of scenarios(sides, names, settings.data, graph)) {
      if (wanted && !wanted.some((w) => scenario.name.toLowerCase().includes(w))) continue;
      try {
        const c = await compare(scenario, settings.budget);
        report.results.push(c);
        process.stdout.write(
          `  ${scenario.name.padEnd(34)} ${showRatio(c.ratio)} ${showRatio(c.minimalRatio)} ${showRatio(c.keyvRatio)}\n`,
        );
      } catch (error) {
        report.errors.push({ scenario: scenario.name, error: firstLine(error) });
        console.log(`  ${scenario.name.padEnd(34)} failed: ${firstLine(error)}`);
      }
    }
  } catch (error) {
    report.errors.push({ scenario: "setup", error: firstLine(error) });
    console.log(`  setup failed: ${firstLine(error)}`);
  } finally {
    await cleanup(backend.name, async () => {
      for (const ns of [names.one, names.kv, names.others, names.scratch])
        await store.kv(ns).clear();
      for (const g of [names.graph, names.upsertGraph, names.loadGraph])
        await store.graph(g).clear();
    });
    await cleanup(backend.name, () => store.close());
    await cleanup(backend.name, () => opened.close());
    if (!isSkip(keyv)) await cleanup(backend.name, () => keyv.close());
  }
  console.log();
  console.log(indent(renderTable(report.results)));
  return report;
}

function showRatio(r: number): string {
  if (Number.isNaN(r)) return "–";
  return r < 0.01 ? `${r.toPrecision(2)}×` : `${r.toFixed(2)}×`;
}

async function cleanup(backend: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    console.log(`  ⚠ ${backend}: cleanup failed: ${firstLine(error)}`);
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}

export function renderTable(results: readonly Comparison[]): string {
  const ms = (x: number | undefined) => (x === undefined ? "–" : formatMs(x));
  return table([
    [
      "scenario",
      "stowage p50",
      "mean",
      "same p50",
      "minimal p50",
      "keyv p50",
      "÷ same",
      "÷ minimal",
      "÷ keyv",
      "",
    ],
    ...results.map((c) => [
      c.scenario,
      formatMs(c.stowage.median),
      ms(c.means.stowage),
      ms(c.raw?.median),
      ms(c.minimal?.median),
      ms(c.keyv?.median),
      showRatio(c.ratio),
      showRatio(c.minimalRatio),
      showRatio(c.keyvRatio),
      c.raw || c.minimal || c.keyv ? (c.goalMet ? "✓" : "⚠") : "",
    ]),
  ]);
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    /** 1-minute load average at the start: other work on the machine makes numbers noisier. */
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(
    process.argv.slice(2),
    BACKENDS.map((b) => b.name),
  );
  if (args.help) {
    console.log(
      "usage: pnpm bench [--quick] [--only memory,libsql,postgres,redis] [--scenarios get,findPaths]\n" +
        "                  [--keys N] [--others N] [--nodes N] [--hub N] [--sqlite-sync FULL|NORMAL] [--no-keyv]",
    );
    return;
  }
  const budget = args.quick ? QUICK_BUDGET : FULL_BUDGET;
  const base = args.quick ? QUICK_DATA : FULL_DATA;
  const data: DataConfig = {
    keys: Math.max(1000, args.keys ?? base.keys),
    others: args.others ?? base.others,
    nodes: Math.max(200, args.nodes ?? base.nodes),
    hubDegree: args.hubDegree ?? base.hubDegree,
    load: Math.min(args.nodes ?? base.nodes, base.load),
  };
  const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const m = machine();
  console.log(
    `stowage bench — ${new Date().toISOString()} — ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}, load ${m.loadAverage}${args.quick ? " — quick" : ""}`,
  );
  console.log(
    `data: ${data.keys} keys (+${data.others} others), graph ${data.nodes} nodes + hub of ${data.hubDegree}; SQLite synchronous=${args.sqliteSync} on both sides`,
  );
  console.log(
    `each operation through stowage, raw-same-guarantees, raw-minimal${args.keyv ? " and Keyv 5 (KV jobs)" : ""}, interleaved; goal: ≤ ${GOAL_RATIO.toFixed(2)}× same, ≤ ${MINIMAL_GOAL_RATIO.toFixed(2)}× minimal, ≤ ${KEYV_GOAL_RATIO.toFixed(2)}× keyv`,
  );
  const started = performance.now();
  const reports: BackendReport[] = [];
  const settings: RunSettings = {
    budget,
    run,
    data,
    options: { sqliteSync: args.sqliteSync },
    scenarios: args.scenarios,
    keyv: args.keyv,
  };
  for (const backend of BACKENDS) {
    if (args.only && !args.only.includes(backend.name)) continue;
    reports.push(await runBackend(backend, settings));
  }
  const all = reports.flatMap((r) => r.results);
  const met = all.filter((c) => c.goalMet).length;
  const compared = all.filter((c) => c.raw || c.minimal).length;
  const skipped = reports.filter((r) => r.skipped).map((r) => r.name);
  const failed = reports.flatMap((r) => r.errors.map((e) => `${r.name}/${e.scenario}`));
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
  const file = path.join(repoRoot, ".tmp/bench-results.json");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine: m, quick: args.quick, data, sqliteSync: args.sqliteSync, goalRatio: GOAL_RATIO, minimalGoalRatio: MINIMAL_GOAL_RATIO, budget, backends: reports }, null, 2)}\n`,
  );
  console.log(
    `\nsummary: ${met}/${compared} compared scenarios within ${GOAL_RATIO.toFixed(2)}× of raw-same-guarantees and ${MINIMAL_GOAL_RATIO.toFixed(2)}× of raw-minimal` +
      (skipped.length ? `; skipped: ${skipped.join(", ")}` : "") +
      (failed.length ? `; failed: ${failed.join(", ")}` : "") +
      ` (${formatMs(performance.now() - started)}; results in ${path.relative(repoRoot, file)})`,
  );
}

main().then(
  // Drivers and clients should leave nothing open; exit anyway so a leak cannot hang CI.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
