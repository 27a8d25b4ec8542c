import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError, decodeProps, decodeValue, encodeProps, encodeValue, mergeEncodedProps } from "../src/index.ts";

const limit = { maxBytes: 1024 * 1024 };
const roundTrip = (v: unknown) => decodeValue(encodeValue(v, limit));

/** Values the codec promises to round-trip exactly. */
const storable = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string({ unit: "binary" }),
    fc.string({ unit: fc.constantFrom("a", "\u0000", "\ud800", "\udc00", "😀", "$t") }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.bigInt(),
    fc.date({ noInvalidDate: false }),
    fc.uint8Array(),
  ),
  value: fc.oneof(
    { depthSize: "small" },
    tie("leaf"),
    fc.array(fc.oneof(tie("value"), fc.constant(undefined))),
    fc.dictionary(fc.string({ unit: fc.constantFrom("a", "$", "t", "_", "\u0000", "\ud800") }), tie("value"), { noNullPrototype: true }),
    fc.array(fc.tuple(tie("value"), tie("value"))).map((entries) => new Map(entries)),
    fc.array(tie("value")).map((items) => new Set(items)),
  ),
}));

describe("value codec", () => {
  it("round-trips every supported value exactly", () => {
    fc.assert(
      fc.property(storable.value, (v) => {
        expect(roundTrip(v)).toStrictEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps -0, NaN, ±Infinity, invalid dates and undefined inside arrays", () => {
    const v = [-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, new Date(Number.NaN), undefined];
    const back = roundTrip(v) as unknown[];
    expect(Object.is(back[0], -0)).toBe(true);
    expect(back).toStrictEqual(v);
  });

  it("decodes objects with a '$t' or '__proto__' key as plain data", () => {
    const v = JSON.parse('{"$t":"date","v":0,"__proto__":{"polluted":true}}');
    const back = roundTrip(v) as Record<string, unknown>;
    expect(back).toStrictEqual(v);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("produces JSON text without U+0000 or lone surrogates (safe for jsonb)", () => {
    fc.assert(
      fc.property(storable.value, (v) => {
        const text = encodeValue(v, limit);
        expect(text.isWellFormed()).toBe(true);
        expect(text.includes("\u0000")).toBe(false);
        JSON.parse(text);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["a function", () => 1],
    ["a symbol", Symbol("s")],
    ["a class instance", new (class Foo {})()],
    ["a typed array other than Uint8Array", new Float32Array(2)],
    ["a RegExp", /x/],
    ["undefined at the top level", undefined],
    ["undefined inside a Map value? no: functions inside", new Map([[1, () => 2]])],
  ])("rejects %s with ValidationError", (_, v) => {
    expect(() => encodeValue(v, limit)).toThrow(ValidationError);
  });

  it("rejects cycles but accepts shared references", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => encodeValue(a, limit)).toThrow(/cycle/);
    const shared = { x: 1 };
    expect(roundTrip([shared, shared])).toStrictEqual([{ x: 1 }, { x: 1 }]);
  });

  it("enforces the size limit in UTF-8 bytes", () => {
    expect(() => encodeValue("é".repeat(600), { maxBytes: 1000 })).toThrowError(
      expect.objectContaining({ reason: "VALUE_TOO_LARGE" }),
    );
    expect(encodeValue("e".repeat(900), { maxBytes: 1000 })).toHaveLength(902);
  });

  it("drops undefined object properties like JSON does", () => {
    expect(roundTrip({ a: 1, b: undefined })).toStrictEqual({ a: 1 });
  });
});

describe("props codec", () => {
  it("encodes props as a JSON object keyed by property name", () => {
    const text = encodeProps({ when: new Date(5), n: 1 }, limit);
    expect(Object.keys(JSON.parse(text))).toEqual(["when", "n"]);
    expect(decodeProps(text)).toStrictEqual({ when: new Date(5), n: 1 });
  });

  it("rejects non-objects", () => {
    for (const bad of [[], 1, "x", null, new Map()]) expect(() => encodeProps(bad, limit)).toThrow(ValidationError);
  });

  it("merges key by key, keeping nulls (unlike JSON merge patch)", () => {
    const merged = mergeEncodedProps(encodeProps({ a: 1, b: { c: 1 } }, limit), encodeProps({ b: { d: 2 }, e: null }, limit));
    expect(decodeProps(merged)).toStrictEqual({ a: 1, b: { d: 2 }, e: null });
  });
});
