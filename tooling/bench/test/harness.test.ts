import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/args.ts";
import {
  type Budget,
  compare,
  formatMs,
  GOAL_RATIO,
  median,
  opsPerSample,
  percentile,
  ratio,
  roundOrder,
  schedule,
  summarize,
  table,
} from "../src/harness.ts";
import { canonical } from "../src/scenarios.ts";

describe("statistics", () => {
  it("median of odd and even counts, unsorted input left untouched", () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow(RangeError);
  });

  it("p95 is the nearest-rank percentile", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([3, 1, 2], 95)).toBe(3);
    expect(percentile([42], 95)).toBe(42);
    expect(() => percentile([1], 0)).toThrow(RangeError);
  });

  it("summary and ratio = median(stowage) / median(raw)", () => {
    const stowage = summarize([11, 12, 13, 50]);
    const raw = summarize([10, 10, 10, 10]);
    expect(stowage).toEqual({ median: 12.5, p95: 50, min: 11, samples: 4 });
    expect(ratio(stowage, raw)).toBe(1.25);
    expect(ratio(summarize([11]), summarize([10]))).toBeLessThanOrEqual(GOAL_RATIO);
  });
});

describe("interleaving", () => {
  it("alternates which variant goes first, round by round (A/B, B/A, …)", () => {
    expect(roundOrder(0)).toEqual(["stowage", "raw"]);
    expect(roundOrder(1)).toEqual(["raw", "stowage"]);
    expect(schedule(3)).toEqual(["stowage", "raw", "raw", "stowage", "stowage", "raw"]);
  });

  it("compare() runs the variants in that order, warm-up included", async () => {
    const calls: string[] = [];
    let now = 0;
    // A fake clock that advances 1 ms per read: the run ends by budget, not by timing anything.
    const clock = () => now++;
    const budget: Budget = {
      timeMs: 40,
      warmupShare: 0.25,
      targetSamples: 5,
      minSamples: 3,
      minSampleMs: 0.5,
    };
    const result = await compare(
      {
        name: "fake",
        description: "records the call order",
        stowage: async () => calls.push("stowage"),
        raw: async () => calls.push("raw"),
      },
      budget,
      { clock, opsPerSample: 3 },
    );
    // Every pair of consecutive calls holds one of each; orders alternate between pairs of rounds.
    const ops = result.opsPerSample;
    expect(ops).toBe(3);
    const warmupCalls = calls.length - 2 * ops * result.stowage.samples;
    expect(warmupCalls % 2).toBe(0);
    const warmup = calls.slice(0, warmupCalls);
    expect(warmup).toEqual(schedule(warmupCalls / 2));
    const measured = calls.slice(warmupCalls);
    const expected = schedule(result.stowage.samples).flatMap((v) => Array<string>(ops).fill(v));
    expect(measured).toEqual(expected);
    expect(result.raw?.samples).toBe(result.stowage.samples);
    expect(result.stowage.samples).toBeGreaterThanOrEqual(budget.minSamples);
  });

  it("rotates three variants (stowage, raw-same, raw-minimal) and runs `before` untimed before each operation", async () => {
    expect(schedule(3, ["stowage", "raw", "minimal"])).toEqual([
      "stowage",
      "raw",
      "minimal",
      "raw",
      "minimal",
      "stowage",
      "minimal",
      "stowage",
      "raw",
    ]);
    const calls: string[] = [];
    let now = 0;
    const clock = () => now++;
    const budget: Budget = {
      timeMs: 30,
      warmupShare: 0.2,
      targetSamples: 4,
      minSamples: 3,
      minSampleMs: 0.5,
    };
    const result = await compare(
      {
        name: "three",
        description: "three variants",
        stowage: async () => calls.push("s"),
        raw: async () => calls.push("r"),
        minimal: async () => calls.push("m"),
        before: async () => calls.push("b"),
      },
      budget,
      { clock, opsPerSample: 2 },
    );
    expect(result.minimal?.samples).toBe(result.stowage.samples);
    expect(result.raw?.samples).toBe(result.stowage.samples);
    // Every operation is preceded by exactly one `before`.
    for (let i = 0; i < calls.length; i += 2) expect(calls[i]).toBe("b");
    expect(calls.filter((c) => c === "b").length).toBe(calls.length / 2);
    expect(Number.isNaN(result.minimalRatio)).toBe(false);
  });

  it("rotates four variants with Keyv, and the Keyv goal (never slower) decides goalMet", async () => {
    expect(roundOrder(1, ["stowage", "raw", "minimal", "keyv"])).toEqual([
      "raw",
      "minimal",
      "keyv",
      "stowage",
    ]);
    const calls: string[] = [];
    const budget: Budget = {
      timeMs: 20,
      warmupShare: 0.2,
      targetSamples: 3,
      minSamples: 3,
      minSampleMs: 0.5,
    };
    let now = 0;
    const result = await compare(
      {
        name: "four",
        description: "",
        stowage: async () => calls.push("s"),
        raw: async () => calls.push("r"),
        minimal: async () => calls.push("m"),
        keyv: async () => calls.push("k"),
      },
      budget,
      { clock: () => now++, opsPerSample: 1 },
    );
    expect(result.keyv?.samples).toBe(result.stowage.samples);
    expect(calls.filter((c) => c === "k").length).toBe(calls.filter((c) => c === "s").length);
    expect(Number.isNaN(result.keyvRatio)).toBe(false);
    // Without a Keyv variant the ratio is NaN and does not take part in the goal.
    const noKeyv = await compare(
      { name: "no keyv", description: "", stowage: async () => {}, raw: async () => {} },
      budget,
      { opsPerSample: 1 },
    );
    expect(noKeyv.keyv).toBeUndefined();
    expect(Number.isNaN(noKeyv.keyvRatio)).toBe(true);
  });

  it("reports NaN ratios for a missing baseline", async () => {
    const result = await compare(
      { name: "alone", description: "", stowage: async () => {}, minimal: async () => {} },
      { timeMs: 5, warmupShare: 0.2, targetSamples: 3, minSamples: 3, minSampleMs: 0.5 },
      { opsPerSample: 1 },
    );
    expect(result.raw).toBeUndefined();
    expect(Number.isNaN(result.ratio)).toBe(true);
    const alone = await compare(
      { name: "no baseline", description: "", stowage: async () => {} },
      { timeMs: 5, warmupShare: 0.2, targetSamples: 3, minSamples: 3, minSampleMs: 0.5 },
      { opsPerSample: 1 },
    );
    expect(alone.goalMet).toBe(false);
  });

  it("sizes samples so that short operations are timed in groups", () => {
    const budget: Budget = {
      timeMs: 1000,
      warmupShare: 0.2,
      targetSamples: 100,
      minSamples: 5,
      minSampleMs: 0.5,
    };
    // 800 ms of measuring / (2 variants × 100 samples) = 4 ms per sample.
    expect(opsPerSample(0.001, budget)).toBe(4000);
    expect(opsPerSample(1, budget)).toBe(4);
    expect(opsPerSample(50, budget)).toBe(1);
    expect(opsPerSample(0.000001, budget)).toBe(10_000);
  });
});

describe("reporting helpers", () => {
  it("formats durations", () => {
    expect(formatMs(1234)).toBe("1.23 s");
    expect(formatMs(12.34)).toBe("12.3 ms");
    expect(formatMs(1.234)).toBe("1.23 ms");
    expect(formatMs(0.0456)).toBe("46 µs");
    expect(formatMs(0.0012)).toBe("1.2 µs");
  });

  it("aligns table columns", () => {
    expect(
      table([
        ["a", "b"],
        ["long", "1"],
      ]),
    ).toBe("a     b\n----  -\nlong  1");
  });

  it("compares answers regardless of object key order", () => {
    expect(canonical({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonical({ a: [{ x: 1, y: 2 }], b: 1 }));
  });

  it("parses --quick and --only", () => {
    const known = ["memory", "libsql", "postgres", "redis"];
    expect(parseArgs(["--", "--quick", "--only", "libsql,redis"], known)).toEqual({
      quick: true,
      only: ["libsql", "redis"],
      scenarios: undefined,
      sqliteSync: "FULL",
      keyv: true,
      help: false,
    });
    expect(parseArgs(["--no-keyv"], known).keyv).toBe(false);
    expect(
      parseArgs(["--keys", "5000", "--sqlite-sync=normal", "--scenarios", "get,findPaths"], known),
    ).toMatchObject({
      keys: 5000,
      sqliteSync: "NORMAL",
      scenarios: ["get", "findpaths"],
    });
    expect(() => parseArgs(["--keys", "-1"], known)).toThrow(/non-negative/);
    expect(parseArgs(["--only=memory"], known).only).toEqual(["memory"]);
    expect(() => parseArgs(["--only", "mysql"], known)).toThrow(/unknown backend/);
    expect(() => parseArgs(["--fast"], known)).toThrow(/unknown argument/);
  });
});
