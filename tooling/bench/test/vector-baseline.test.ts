import { describe, expect, it } from "vitest";
import {
  latency,
  type Metric,
  PackedVectors,
  randomVectors,
  recall,
} from "../src/vector-baseline.ts";

/** The obvious reference: score everything, sort, take k (ties by id). */
function reference(metric: Metric, vectors: Float32Array[], q: Float32Array, k: number): string[] {
  const dot = (a: Float32Array, b: Float32Array) =>
    a.reduce((s, x, i) => s + x * (b[i] as number), 0);
  const scored = vectors.map((v, i) => {
    let score: number;
    if (metric === "l2")
      score = Math.sqrt(v.reduce((s, x, d) => s + (x - (q[d] as number)) ** 2, 0));
    else if (metric === "dot") score = dot(v, q);
    else score = dot(v, q) / Math.sqrt(dot(v, v) * dot(q, q));
    return { id: `v${i}`, score };
  });
  scored.sort((a, b) =>
    a.score !== b.score
      ? metric === "l2"
        ? a.score - b.score
        : b.score - a.score
      : a.id < b.id
        ? -1
        : 1,
  );
  return scored.slice(0, k).map((s) => s.id);
}

describe("vector bench baseline", () => {
  it("random vectors are deterministic and in [-1, 1)", () => {
    const a = randomVectors(5, 8, 42);
    expect(randomVectors(5, 8, 42)).toEqual(a);
    expect(randomVectors(5, 8, 43)).not.toEqual(a);
    for (const v of a) for (const x of v) expect(x >= -1 && x < 1).toBe(true);
  });

  for (const metric of ["cosine", "l2", "dot"] as const) {
    it(`the packed scan returns the reference top-k (${metric})`, () => {
      const vectors = randomVectors(300, 16, 5);
      const packed = new PackedVectors(
        vectors.map((_, i) => `v${i}`),
        vectors,
      );
      for (const q of randomVectors(5, 16, 9)) {
        const got = packed.topK(metric, q, 10);
        expect(got.map((h) => h.id)).toEqual(reference(metric, vectors, q, 10));
        expect(got).toHaveLength(10);
      }
      expect(packed.topK(metric, vectors[0] as Float32Array, 500)).toHaveLength(300);
    });
  }

  it("recall and latency percentiles", () => {
    expect(recall(["a", "b", "x"], ["a", "b", "c", "d"])).toBe(0.5);
    expect(recall([], [])).toBe(1);
    expect(latency([5, 1, 4, 2, 3])).toEqual({ p50: 3, p95: 5 });
  });
});
