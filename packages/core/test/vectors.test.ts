import { describe, expect, it } from "vitest";
import { ValidationError } from "../src/errors.ts";
import {
  bruteForceTopK,
  bytesToFloat32,
  checkFilter,
  float32ToBytes,
  matchesFilter,
  rankRecords,
  toFloat32,
  vectorScore,
} from "../src/vectors.ts";

describe("vectors", () => {
  it("checks vectors: length, finiteness, float32 range, zero for cosine", () => {
    expect([...toFloat32([0.1, 2], 2, "l2")]).toEqual([Math.fround(0.1), 2]);
    for (const bad of [[1], [Number.NaN, 1], [1e39, 1], ["1", 1]]) {
      expect(() => toFloat32(bad, 2, "l2")).toThrow(ValidationError);
    }
    expect(() => toFloat32([0, 0], 2, "cosine")).toThrow(/all zeros/);
    expect([...toFloat32([0, 0], 2, "dot")]).toEqual([0, 0]);
  });

  it("normalises filters and rejects unknown operators", () => {
    expect(checkFilter({ a: 1, b: { $in: ["x"], $lt: 3 } })).toEqual([
      { field: "a", op: "eq", value: 1 },
      { field: "b", op: "in", values: ["x"] },
      { field: "b", op: "lt", value: 3 },
    ]);
    for (const bad of [
      { a: { $ne: 1 } },
      { $or: [] },
      { a: [1] },
      { a: { $in: [] } },
      { a: { $gt: null } },
      { a: undefined },
    ]) {
      expect(() => checkFilter(bad)).toThrow(ValidationError);
    }
  });

  it("matches type-strictly; ranges compare like with like", () => {
    const m = { n: 1, s: "b", t: true, z: null };
    expect(matchesFilter(m, checkFilter({ n: 1, s: "b", t: true, z: null }))).toBe(true);
    expect(matchesFilter(m, checkFilter({ n: "1" }))).toBe(false);
    expect(matchesFilter(m, checkFilter({ missing: null }))).toBe(false);
    expect(matchesFilter(m, checkFilter({ s: { $gt: "B" } }))).toBe(true); // "b" > "B" in byte order
    expect(matchesFilter(m, checkFilter({ s: { $gt: 0 } }))).toBe(false);
  });

  it("scores: cosine similarity, dot product, Euclidean distance; order nearest first then id", () => {
    const a = new Float32Array([1, 0]);
    const b = new Float32Array([0, 2]);
    expect(vectorScore("cosine", a, b)).toBe(0);
    expect(vectorScore("dot", a, new Float32Array([3, 1]))).toBe(3);
    expect(vectorScore("l2", a, new Float32Array([4, 4]))).toBe(5);
    const items = [
      { id: "b", vector: a },
      { id: "a", vector: a },
      { id: "c", vector: b },
    ];
    expect(bruteForceTopK("l2", a, items, 2).map((h) => h.id)).toEqual(["a", "b"]);
    expect(bruteForceTopK("dot", a, items, 3).map((h) => h.id)).toEqual(["a", "b", "c"]);
    const ranked = rankRecords(
      "l2",
      { vector: a, k: 2, includeVectors: false },
      items.map((i) => ({ ...i, metadata: "{}", extra: i.id })),
    );
    expect(ranked).toEqual([
      { id: "a", metadata: "{}", extra: "a", score: 0 },
      { id: "b", metadata: "{}", extra: "b", score: 0 },
    ]);
  });

  it("float32 bytes round-trip bit for bit", () => {
    const v = new Float32Array([-0, 1e-45, 3.4028234663852886e38, 0.1]);
    const back = bytesToFloat32(float32ToBytes(v));
    expect(Buffer.from(back.buffer).equals(Buffer.from(v.buffer))).toBe(true);
  });
});
