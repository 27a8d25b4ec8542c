// The measuring part: statistics, the interleaved A/B schedule, and the runner that times a
// stowage variant against a raw variant of the same work within a time budget.

/**
 * One thing to measure: functions doing the same job, one through stowage and up to two raw
 * baselines: `raw` (raw-same-guarantees: hand-written code that keeps what stowage keeps —
 * versions, an ordered index, expiry) and `minimal` (raw-minimal: the fastest code for the
 * user's job without those guarantees). The ratio to each shows what each guarantee costs.
 */
export interface Scenario {
  readonly name: string;
  /** What one operation is, for the README and the JSON. */
  readonly description: string;
  readonly stowage: () => Promise<unknown>;
  readonly raw?: () => Promise<unknown>;
  readonly minimal?: () => Promise<unknown>;
  /** The same job through Keyv 5 and its official adapter for the backend (KV jobs only). */
  readonly keyv?: () => Promise<unknown>;
  /** Untimed, before every operation of every variant (e.g. re-create what the operation removes). */
  readonly before?: () => Promise<unknown>;
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

export const FULL_BUDGET: Budget = {
  timeMs: 2500,
  warmupShare: 0.2,
  targetSamples: 150,
  minSamples: 7,
  minSampleMs: 0.5,
};
export const QUICK_BUDGET: Budget = {
  timeMs: 500,
  warmupShare: 0.2,
  targetSamples: 40,
  minSamples: 5,
  minSampleMs: 0.5,
};

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
  /** raw-same-guarantees (absent when the backend has no such baseline for this job). */
  readonly raw?: Summary;
  /** raw-minimal. */
  readonly minimal?: Summary;
  /** Keyv 5 doing the same job on the same backend. */
  readonly keyv?: Summary;
  /** Mean ms per operation of each variant (samples weighted equally). */
  readonly means: Partial<Record<Variant, number>>;
  /** median(stowage) / median(raw), NaN without a raw-same-guarantees baseline. */
  readonly ratio: number;
  /** median(stowage) / median(minimal), NaN without a raw-minimal baseline. */
  readonly minimalRatio: number;
  /** median(stowage) / median(keyv), NaN without a Keyv variant. */
  readonly keyvRatio: number;
  /** Median of the per-round stowage/raw ratios: a second view that pairs samples taken side by side. */
  readonly pairedRatio: number;
  /** Operations timed together in one sample. */
  readonly opsPerSample: number;
  readonly goalMet: boolean;
}

/** The bar from DESIGN.md: at most about 10% over the raw client keeping the same guarantees. */
export const GOAL_RATIO = 1.1;
/** The bar against raw-minimal (the fastest code without stowage's guarantees): 1.5×. */
export const MINIMAL_GOAL_RATIO = 1.5;
/** Against Keyv 5 on the same backend: never slower. */
export const KEYV_GOAL_RATIO = 1.0;

function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new RangeError("no samples");
  return [...samples].sort((a, b) => a - b);
}

/** Middle value; the mean of the two middle values for an even count. */
export function median(samples: readonly number[]): number {
  const s = sorted(samples);
  const mid = s.length >> 1;
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile (p in (0, 100]): the smallest sample with at least p% of samples at or below it. */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const s = sorted(samples);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] as number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    median: median(samples),
    p95: percentile(samples, 95),
    min: sorted(samples)[0] as number,
    samples: samples.length,
  };
}

export function ratio(stowage: Summary, raw: Summary): number {
  return stowage.median / raw.median;
}

export type Variant = "stowage" | "raw" | "minimal" | "keyv";

/**
 * The order of one round: the variants rotated by one position per round (A/B, B/A, … for two;
 * A/B/C, B/C/A, C/A/B for three). Rotating who goes first cancels both slow drift (GC pressure,
 * caches, server load) and any "runs second" advantage.
 */
export function roundOrder(
  round: number,
  variants: readonly Variant[] = ["stowage", "raw"],
): Variant[] {
  const n = variants.length;
  return variants.map((_, i) => variants[(i + round) % n] as Variant);
}

/** The whole schedule for `rounds` rounds, flattened (used by the tests). */
export function schedule(
  rounds: number,
  variants: readonly Variant[] = ["stowage", "raw"],
): Variant[] {
  const out: Variant[] = [];
  for (let r = 0; r < rounds; r++) out.push(...roundOrder(r, variants));
  return out;
}

/** How many operations one sample times: enough to fill the per-sample time, at least one. */
export function opsPerSample(estimateMs: number, budget: Budget): number {
  const sampleMs = Math.max(
    budget.minSampleMs,
    (budget.timeMs * (1 - budget.warmupShare)) / (2 * budget.targetSamples),
  );
  if (!(estimateMs > 0)) return 1000;
  return Math.min(10_000, Math.max(1, Math.round(sampleMs / estimateMs)));
}

async function timeOps(
  fn: () => Promise<unknown>,
  ops: number,
  before?: () => Promise<unknown>,
): Promise<number> {
  if (before) {
    let total = 0;
    for (let i = 0; i < ops; i++) {
      await before();
      const start = performance.now();
      await fn();
      total += performance.now() - start;
    }
    return total / ops;
  }
  const start = performance.now();
  for (let i = 0; i < ops; i++) await fn();
  return (performance.now() - start) / ops;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** For tests: a fake clock for the budget, a fixed sample size. */
export interface CompareHooks {
  readonly clock?: () => number;
  readonly opsPerSample?: number;
}

/** Runs one scenario: interleaved warm-up, calibration of the sample size, interleaved samples. */
export async function compare(
  scenario: Scenario,
  budget: Budget,
  hooks: CompareHooks = {},
): Promise<Comparison> {
  const clock = hooks.clock ?? (() => performance.now());
  const fns: Partial<Record<Variant, () => Promise<unknown>>> = { stowage: scenario.stowage };
  if (scenario.raw) fns.raw = scenario.raw;
  if (scenario.minimal) fns.minimal = scenario.minimal;
  if (scenario.keyv) fns.keyv = scenario.keyv;
  const variants = (["stowage", "raw", "minimal", "keyv"] as const).filter((v) => fns[v]);
  const run = (v: Variant, ops: number) =>
    timeOps(fns[v] as () => Promise<unknown>, ops, scenario.before);
  const started = clock();
  const warmupEnd = started + budget.timeMs * budget.warmupShare;
  const warm: Record<Variant, number[]> = { stowage: [], raw: [], minimal: [], keyv: [] };
  for (let round = 0; round < 3 || (clock() < warmupEnd && round < 2000); round++) {
    for (const v of roundOrder(round, variants)) warm[v].push(await run(v, 1));
  }
  // Calibrate on the slowest variant, from the second half of the warm-up (after the JIT settled).
  const late = (xs: number[]) => median(xs.slice(xs.length >> 1));
  const ops =
    hooks.opsPerSample ?? opsPerSample(Math.max(...variants.map((v) => late(warm[v]))), budget);

  const samples: Record<Variant, number[]> = { stowage: [], raw: [], minimal: [], keyv: [] };
  const paired: number[] = [];
  const end = started + budget.timeMs;
  for (let round = 0; ; round++) {
    const enough = samples.stowage.length >= budget.minSamples;
    if (enough && (clock() >= end || samples.stowage.length >= budget.targetSamples * 4)) break;
    const took: Partial<Record<Variant, number>> = {};
    for (const v of roundOrder(round, variants)) {
      const t = await run(v, ops);
      samples[v].push(t);
      took[v] = t;
    }
    if (took.raw !== undefined) paired.push((took.stowage as number) / took.raw);
  }
  const stowage = summarize(samples.stowage);
  const raw = fns.raw ? summarize(samples.raw) : undefined;
  const minimal = fns.minimal ? summarize(samples.minimal) : undefined;
  const keyv = fns.keyv ? summarize(samples.keyv) : undefined;
  const r = raw ? ratio(stowage, raw) : Number.NaN;
  const means: Partial<Record<Variant, number>> = {};
  for (const v of variants) means[v] = mean(samples[v]);
  return {
    scenario: scenario.name,
    description: scenario.description,
    stowage,
    ...(raw ? { raw } : {}),
    ...(minimal ? { minimal } : {}),
    ...(keyv ? { keyv } : {}),
    means,
    ratio: r,
    minimalRatio: minimal ? ratio(stowage, minimal) : Number.NaN,
    keyvRatio: keyv ? ratio(stowage, keyv) : Number.NaN,
    pairedRatio: paired.length > 0 ? median(paired) : Number.NaN,
    opsPerSample: ops,
    // Only with at least one baseline (Keyv counts); each present one must meet its goal.
    goalMet:
      (raw !== undefined || minimal !== undefined || keyv !== undefined) &&
      (raw === undefined || r <= GOAL_RATIO) &&
      (minimal === undefined || ratio(stowage, minimal) <= MINIMAL_GOAL_RATIO) &&
      (keyv === undefined || ratio(stowage, keyv) <= KEYV_GOAL_RATIO),
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
    row
      .map((cell, i) =>
        i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number),
      )
      .join("  ");
  const [head, ...body] = rows;
  if (!head) return "";
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
