// The measuring part: statistics, the interleaved A/B schedule, and the runner that times a
// stowage variant against a raw variant of the same work within a time budget.

/** One thing to measure: two functions doing the same work, one through stowage, one raw. */
export interface Scenario {
  readonly name: string;
  /** What one operation is, for the README and the JSON. */
  readonly description: string;
  readonly stowage: () => Promise<unknown>;
  readonly raw: () => Promise<unknown>;
}

export interface Budget {
  /** Wall time for one scenario, warm-up included (both variants together). */
  readonly timeMs: number;
  /** Share of `timeMs` spent warming up (JIT, caches, prepared statements). */
  readonly warmupShare: number;
  /** Samples per variant the budget aims at; the sample size (ops per sample) follows. */
  readonly targetSamples: number;
  /** Never fewer samples per variant than this, even past the budget. */
  readonly minSamples: number;
  /** A sample is never shorter than this, so timer resolution does not matter. */
  readonly minSampleMs: number;
}

export const FULL_BUDGET: Budget = { timeMs: 2500, warmupShare: 0.2, targetSamples: 150, minSamples: 7, minSampleMs: 0.5 };
export const QUICK_BUDGET: Budget = { timeMs: 500, warmupShare: 0.2, targetSamples: 40, minSamples: 5, minSampleMs: 0.5 };

export interface Summary {
  /** Milliseconds per operation. */
  readonly median: number;
  readonly p95: number;
  readonly min: number;
  /** Number of samples. */
  readonly samples: number;
}

export interface Comparison {
  readonly scenario: string;
  readonly description: string;
  readonly stowage: Summary;
  readonly raw: Summary;
  /** median(stowage) / median(raw). */
  readonly ratio: number;
  /** Median of the per-round ratios: a second view that pairs samples taken side by side. */
  readonly pairedRatio: number;
  /** Operations timed together in one sample. */
  readonly opsPerSample: number;
  readonly goalMet: boolean;
}

/** The bar from DESIGN.md: at most about 10% over the raw client. */
export const GOAL_RATIO = 1.1;

function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new RangeError("no samples");
  return [...samples].sort((a, b) => a - b);
}

/** Middle value; the mean of the two middle values for an even count. */
export function median(samples: readonly number[]): number {
  const s = sorted(samples);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile (p in (0, 100]): the smallest sample with at least p% of samples at or below it. */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const s = sorted(samples);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] as number;
}

export function summarize(samples: readonly number[]): Summary {
  return { median: median(samples), p95: percentile(samples, 95), min: sorted(samples)[0] as number, samples: samples.length };
}

export function ratio(stowage: Summary, raw: Summary): number {
  return stowage.median / raw.median;
}

export type Variant = "stowage" | "raw";

/**
 * The order of one round: A/B, then B/A in the next, and so on. Alternating who goes first
 * cancels both slow drift (GC pressure, caches, server load) and any "runs second" advantage.
 */
export function roundOrder(round: number): readonly [Variant, Variant] {
  return round % 2 === 0 ? ["stowage", "raw"] : ["raw", "stowage"];
}

/** The whole schedule for `rounds` rounds, flattened (used by the tests). */
export function schedule(rounds: number): Variant[] {
  const out: Variant[] = [];
  for (let r = 0; r < rounds; r++) out.push(...roundOrder(r));
  return out;
}

/** How many operations one sample times: enough to fill the per-sample time, at least one. */
export function opsPerSample(estimateMs: number, budget: Budget): number {
  const sampleMs = Math.max(budget.minSampleMs, budget.timeMs * (1 - budget.warmupShare) / (2 * budget.targetSamples));
  if (!(estimateMs > 0)) return 1000;
  return Math.min(10_000, Math.max(1, Math.round(sampleMs / estimateMs)));
}

async function timeOps(fn: () => Promise<unknown>, ops: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < ops; i++) await fn();
  return (performance.now() - start) / ops;
}

/** For tests: a fake clock for the budget, a fixed sample size. */
export interface CompareHooks {
  readonly clock?: () => number;
  readonly opsPerSample?: number;
}

/** Runs one scenario: interleaved warm-up, calibration of the sample size, interleaved samples. */
export async function compare(scenario: Scenario, budget: Budget, hooks: CompareHooks = {}): Promise<Comparison> {
  const clock = hooks.clock ?? (() => performance.now());
  const fns = { stowage: scenario.stowage, raw: scenario.raw };
  const started = clock();
  const warmupEnd = started + budget.timeMs * budget.warmupShare;
  const warm: Record<Variant, number[]> = { stowage: [], raw: [] };
  for (let round = 0; round < 3 || (clock() < warmupEnd && round < 2000); round++) {
    for (const v of roundOrder(round)) warm[v].push(await timeOps(fns[v], 1));
  }
  // Calibrate on the slower variant, from the second half of the warm-up (after the JIT settled).
  const late = (xs: number[]) => median(xs.slice(xs.length >> 1));
  const ops = hooks.opsPerSample ?? opsPerSample(Math.max(late(warm.stowage), late(warm.raw)), budget);

  const samples: Record<Variant, number[]> = { stowage: [], raw: [] };
  const paired: number[] = [];
  const end = started + budget.timeMs;
  for (let round = 0; ; round++) {
    const enough = samples.raw.length >= budget.minSamples;
    if (enough && (clock() >= end || samples.raw.length >= budget.targetSamples * 4)) break;
    const took: Partial<Record<Variant, number>> = {};
    for (const v of roundOrder(round)) {
      const t = await timeOps(fns[v], ops);
      samples[v].push(t);
      took[v] = t;
    }
    paired.push((took.stowage as number) / (took.raw as number));
  }
  const stowage = summarize(samples.stowage);
  const raw = summarize(samples.raw);
  const r = ratio(stowage, raw);
  return {
    scenario: scenario.name,
    description: scenario.description,
    stowage,
    raw,
    ratio: r,
    pairedRatio: median(paired),
    opsPerSample: ops,
    goalMet: r <= GOAL_RATIO,
  };
}

/** Milliseconds in a short human form: 1.23 s, 12.3 ms, 456 µs, 7.8 µs. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  const us = ms * 1000;
  return us >= 10 ? `${us.toFixed(0)} µs` : `${us.toFixed(1)} µs`;
}

/** A plain text table: the first row is the header; columns after the first are right-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join("  ");
  const [head, ...body] = rows;
  if (!head) return "";
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
