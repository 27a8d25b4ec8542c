// Vector records of export files: decoding is exact for every finite float32 (property test over
// random bits), and a file's vector lines are checked against their collection before anything
// is written (dims, non-finite components, base64, order, a collection defined twice).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../src/errors.ts";
import { parseLine } from "../src/transfer.ts";
import { decodeVector, VectorRecordChecker, type VectorExportRecord } from "../src/transfer-vectors.ts";
import { float32ToBytes } from "../src/vectors.ts";

const base64 = (v: Float32Array | number[]) =>
  Buffer.from(float32ToBytes(v instanceof Float32Array ? v : new Float32Array(v))).toString("base64");
const bitsOf = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
const spec = { name: "c", dims: 3, metric: "l2" as const };

describe("vector export records", () => {
  it("decode to the very float32 bits that were encoded (random bits, -0 and subnormals included)", () => {
    const finiteFloat32 = fc
      .integer({ min: 0, max: 0xffffffff })
      .map((bits) => new Float32Array(new Uint32Array([bits]).buffer)[0] as number)
      .filter((x) => Number.isFinite(x));
    fc.assert(
      fc.property(fc.array(finiteFloat32, { minLength: 3, maxLength: 3 }), (components) => {
        const v = new Float32Array(components);
        expect(bitsOf(decodeVector(base64(v), spec, "v"))).toBe(bitsOf(v));
      }),
      { numRuns: 500 },
    );
  });

  it("refuses wrong dims, NaN, Infinity, an all-zero cosine vector and bad base64", () => {
    const cases: [string, RegExp][] = [
      [base64([1, 2]), /v has 2 dimensions, the collection "c" has 3 dimensions/],
      [base64([1, 2, 3, 4]), /v has 4 dimensions/],
      [base64([1, Number.NaN, 3]), /v\[1\] is NaN/],
      [base64([Number.NEGATIVE_INFINITY, 1, 3]), /v\[0\] is -Infinity/],
      [Buffer.from([1, 2, 3, 4, 5]).toString("base64"), /5 bytes \(not whole float32 values\)/],
      ["AACAPwAAAEAAAEBA!", /must be base64/],
      ["AACAPwAAAEAAAEBA====", /must be base64/],
      ["", /has 0 dimensions/],
    ];
    for (const [encoded, message] of cases) {
      expect(() => decodeVector(encoded, spec, "v")).toThrow(message);
      expect(() => decodeVector(encoded, spec, "v")).toThrow(ValidationError);
    }
    expect(() => decodeVector(base64([0, 0, 0]), { ...spec, metric: "cosine" }, "v")).toThrow(/all zeros/);
    expect(() => decodeVector(42, spec, "v")).toThrow(/must be base64/);
  });

  it("a file's vector lines are checked against their collection, with the line number", () => {
    const checker = new VectorRecordChecker();
    const line = (n: number, text: string) => {
      const r = parseLine(text, n);
      if (r.kind !== "vcollection" && r.kind !== "vector") throw new Error(`not a vector record: ${text}`);
      checker.check(r as VectorExportRecord, n);
    };
    const vector = (collection: string, id: string, encoded: string) =>
      JSON.stringify({ kind: "vector", collection, id, vector: encoded, metadata: "{}" });
    expect(() => line(2, vector("c", "a", base64([1, 2, 3])))).toThrow(
      /^line 2: vector "a" of collection "c" comes before that collection's vcollection record$/,
    );
    line(3, JSON.stringify({ kind: "vcollection", name: "c", dims: 3, metric: "l2" }));
    line(4, vector("c", "a", base64([1, 2, 3])));
    expect(() => line(5, vector("c", "b", base64([1, 2])))).toThrow(/^line 5: vector "b" of collection "c" has 2 dimensions/);
    expect(() => line(6, vector("c", "b", base64([1, Number.NaN, 2])))).toThrow(/^line 6: .*\[1\] is NaN/);
    // The same definition again is harmless; another one is refused.
    line(7, JSON.stringify({ kind: "vcollection", name: "c", dims: 3, metric: "l2" }));
    expect(() =>
      line(8, JSON.stringify({ kind: "vcollection", name: "c", dims: 3, metric: "dot" })),
    ).toThrow(/^line 8: vector collection "c" is defined again with dims 3 and metric dot \(before: dims 3, metric l2\)$/);
    // An unknown metric never reaches the checker: parseLine refuses it with the line number.
    expect(() =>
      parseLine(JSON.stringify({ kind: "vcollection", name: "d", dims: 3, metric: "manhattan" }), 9),
    ).toThrow(/^line 9: metric must be "cosine", "l2" or "dot", got "manhattan"$/);
  });
});
