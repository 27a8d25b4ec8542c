// Helpers of the vector cases: seeded random data, fresh collections and a tolerant comparison
// with core's brute-force reference (drivers may sum in another order or in float32).

import { bruteForceTopK, matchesFilter } from "@stowage/core";
import type {
  FilterCondition,
  VectorCollection,
  VectorCollectionOptions,
  VectorMatch,
  VectorMetric,
} from "@stowage/core";
import { expect } from "vitest";
import type { CaseContext } from "./types.ts";

/** mulberry32: a small seeded generator, so every run sees the same data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomVectors(n: number, dims: number, seed: number): Float32Array[] {
  const rnd = seeded(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dims }, () => rnd() * 2 - 1));
}

export interface Meta extends Record<string, unknown> {
  readonly group: string;
  readonly rank: number;
  readonly even: boolean;
}

/** `n` records `v00000`.. with random vectors and metadata {group, rank, even}. */
export function randomItems(
  n: number,
  dims: number,
  seed: number,
): { id: string; vector: Float32Array; metadata: Meta }[] {
  const groups = ["alpha", "beta", "gamma", "Delta", "é"];
  return randomVectors(n, dims, seed).map((vector, i) => ({
    id: `v${String(i).padStart(5, "0")}`,
    vector,
    metadata: { group: groups[i % groups.length] as string, rank: i % 17, even: i % 2 === 0 },
  }));
}

/** A fresh collection with a unique name, dropped after the case. */
export function freshVectors<M extends Record<string, unknown> = Record<string, unknown>>(
  t: CaseContext,
  options: VectorCollectionOptions,
): VectorCollection<M> {
  const c = t.store.vectors<M>(t.freshName("kv"), options);
  t.defer(async () => {
    if (!t.store.closed) await c.drop();
  });
  return c;
}

function tolerance(score: number): number {
  return 1e-5 * Math.max(1, Math.abs(score));
}

/**
 * Expects `got` to be the exact top-k of `items` for `query`: same length, each score equal to
 * the reference score at that rank, and each id's own reference score equal to it too (so ids
 * may differ only where two reference scores are within rounding of each other).
 */
export function expectTopK(
  got: readonly VectorMatch[],
  metric: VectorMetric,
  query: Float32Array,
  items: readonly { id: string; vector: Float32Array; metadata: Record<string, unknown> }[],
  k: number,
  filter: readonly FilterCondition[] = [],
): void {
  const ref = bruteForceTopK(metric, query, items, k, (r) => matchesFilter(r.metadata, filter));
  const refScore = new Map(
    bruteForceTopK(metric, query, items, items.length).map((h) => [h.id, h.score]),
  );
  expect(got.map((h) => h.id).length, "result length").toBe(ref.length);
  const mismatches: string[] = [];
  got.forEach((h, i) => {
    const want = ref[i] as { id: string; score: number };
    const own = refScore.get(h.id);
    const ok =
      own !== undefined &&
      Math.abs(h.score - want.score) <= tolerance(want.score) &&
      Math.abs(own - want.score) <= tolerance(want.score);
    if (!ok)
      mismatches.push(
        `#${i}: got ${h.id} (${h.score}, reference ${own}), want ${want.id} (${want.score})`,
      );
  });
  const byId = new Map(items.map((r) => [r.id, r]));
  got.forEach((h, i) => {
    const r = byId.get(h.id);
    if (r && !matchesFilter(r.metadata, filter))
      mismatches.push(`#${i}: ${h.id} does not match the filter`);
    const prev = got[i - 1];
    if (prev && (metric === "l2" ? prev.score > h.score : prev.score < h.score))
      mismatches.push(`#${i}: out of score order`);
  });
  expect(mismatches, "differences from the brute-force reference").toEqual([]);
  expect(new Set(got.map((h) => h.id)).size, "no id twice").toBe(got.length);
}
