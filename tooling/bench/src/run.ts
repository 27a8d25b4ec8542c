// `pnpm bench [--quick] [--only memory,libsql,postgres,redis]`
// Runs every scenario on every reachable backend, stowage against the raw client in the same
// run, prints a table per backend and writes .tmp/bench-results.json at the repository root.
// Exits 0 whatever the ratios: benchmarks inform, they do not gate.

import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./args.ts";
import { type Backend, firstLine, isSkip } from "./backend.ts";
import { libsqlBackend } from "./backends/libsql.ts";
import { memoryBackend } from "./backends/memory.ts";
import { postgresBackend } from "./backends/postgres.ts";
import { redisBackend } from "./backends/redis.ts";
import { type Budget, type Comparison, compare, FULL_BUDGET, formatMs, GOAL_RATIO, QUICK_BUDGET, table } from "./harness.ts";
import { namesFor, scenarios, seed, verify } from "./scenarios.ts";

const BACKENDS: readonly Backend[] = [memoryBackend, libsqlBackend, postgresBackend, redisBackend];

interface BackendReport {
  name: string;
  detail?: string;
  skipped?: string;
  /** Differences found between stowage's and the raw answers before timing (should be empty). */
  mismatches?: string[];
  results: Comparison[];
  errors: { scenario: string; error: string }[];
}

async function runBackend(backend: Backend, budget: Budget, run: string): Promise<BackendReport> {
  const report: BackendReport = { name: backend.name, results: [], errors: [] };
  const opened = await backend.open(run).catch((error: unknown) => ({ skip: `could not open: ${firstLine(error)}` }));
  if (isSkip(opened)) {
    report.skipped = opened.skip;
    console.log(`\n${backend.name}: skipped — ${opened.skip}`);
    return report;
  }
  const { store, raw } = opened;
  report.detail = opened.detail;
  console.log(`\n${backend.name} — ${opened.detail}`);
  const names = namesFor(run);
  try {
    const t0 = performance.now();
    await seed(store, raw, names);
    await opened.afterSeed?.();
    console.log(`  seeded both sides in ${formatMs(performance.now() - t0)}`);
    report.mismatches = await verify(store, raw, names);
    for (const m of report.mismatches) console.log(`  ⚠ answers differ — ${m}`);
    for (const scenario of scenarios(store, raw, names)) {
      try {
        const c = await compare(scenario, budget);
        report.results.push(c);
        process.stdout.write(`  ${scenario.name.padEnd(18)} ${c.ratio.toFixed(2)}×\n`);
      } catch (error) {
        report.errors.push({ scenario: scenario.name, error: firstLine(error) });
        console.log(`  ${scenario.name.padEnd(18)} failed: ${firstLine(error)}`);
      }
    }
  } catch (error) {
    report.errors.push({ scenario: "setup", error: firstLine(error) });
    console.log(`  setup failed: ${firstLine(error)}`);
  } finally {
    await cleanup(backend.name, async () => {
      await store.kv(names.one).clear();
      await store.kv(names.batch).clear();
      await store.graph(names.graph).clear();
      await store.graph(names.upsertGraph).clear();
    });
    await cleanup(backend.name, () => store.close());
    await cleanup(backend.name, () => opened.close());
  }
  console.log();
  console.log(indent(renderTable(report.results)));
  return report;
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
  return table([
    ["scenario", "stowage median", "p95", "raw median", "p95", "ratio", ""],
    ...results.map((c) => [
      c.scenario,
      formatMs(c.stowage.median),
      formatMs(c.stowage.p95),
      formatMs(c.raw.median),
      formatMs(c.raw.p95),
      `${c.ratio.toFixed(2)}×`,
      c.goalMet ? "✓" : "⚠",
    ]),
  ]);
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    /** 1-minute load average at the start: other work on the machine makes numbers noisier. */
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), BACKENDS.map((b) => b.name));
  if (args.help) {
    console.log("usage: pnpm bench [--quick] [--only memory,libsql,postgres,redis]");
    return;
  }
  const budget = args.quick ? QUICK_BUDGET : FULL_BUDGET;
  const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const m = machine();
  console.log(
    `stowage bench — ${new Date().toISOString()} — ${m.cpus} × ${m.cpuModel}, node ${m.node}, load ${m.loadAverage}${args.quick ? " — quick" : ""}`,
  );
  console.log(`each operation timed through stowage and through the raw client, interleaved; goal: ratio ≤ ${GOAL_RATIO.toFixed(2)}`);
  const started = performance.now();
  const reports: BackendReport[] = [];
  for (const backend of BACKENDS) {
    if (args.only && !args.only.includes(backend.name)) continue;
    reports.push(await runBackend(backend, budget, run));
  }
  const all = reports.flatMap((r) => r.results);
  const met = all.filter((c) => c.goalMet).length;
  const skipped = reports.filter((r) => r.skipped).map((r) => r.name);
  const failed = reports.flatMap((r) => r.errors.map((e) => `${r.name}/${e.scenario}`));
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
  const file = path.join(repoRoot, ".tmp/bench-results.json");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine: m, quick: args.quick, goalRatio: GOAL_RATIO, budget, backends: reports }, null, 2)}\n`,
  );
  console.log(
    `\nsummary: ${met}/${all.length} scenarios within ${GOAL_RATIO.toFixed(2)}× of the raw client` +
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
