// kv/values: every value the codec supports goes through the driver and back unchanged, read by
// get, getMany and the entries() iterator (the listing path may read values differently).
// Values the codec refuses throw ValidationError and write nothing.

import { DEFAULT_MAX_VALUE_BYTES } from "@stowage/core";
import { expect } from "vitest";
import { collect, expectError } from "../assert.ts";
import type { CaseContext, CaseDef } from "../types.ts";

/** Writes each value under its own key in one batch, then reads them back three ways. */
async function roundTrip(t: CaseContext, values: Record<string, unknown>): Promise<void> {
  const kv = t.kv();
  const keys = Object.keys(values);
  await kv.setMany(keys.map((key) => ({ key, value: values[key] })));
  for (const key of keys) {
    const got = await kv.get(key);
    expect(got, `get(${JSON.stringify(key)})`).toEqual(values[key]);
  }
  expect(await kv.getMany(keys)).toEqual(keys.map((k) => values[k]));
  const listed = new Map(await collect(kv.entries({ pageSize: 3 })));
  expect(listed.size).toBe(keys.length);
  for (const key of keys) expect(listed.get(key), `entries() value of ${JSON.stringify(key)}`).toEqual(values[key]);
}

/** A value must be refused with INVALID_VALUE and leave the stored value as it was. */
async function refused(t: CaseContext, values: unknown[]): Promise<void> {
  const kv = t.kv();
  await kv.set("existing", "before");
  for (const [i, value] of values.entries()) {
    await expectError(() => kv.set("existing", value), "VALIDATION", "INVALID_VALUE");
    await expectError(() => kv.set(`new${i}`, value), "VALIDATION", "INVALID_VALUE");
  }
  expect(await kv.getEntry("existing")).toMatchObject({ value: "before", version: 1 });
  expect(await kv.count()).toBe(1);
}

function effectiveLimit(t: CaseContext): number {
  return Math.min(DEFAULT_MAX_VALUE_BYTES, t.capabilities.maxValueBytes);
}

export const kvValues: CaseDef[] = [
  {
    id: "strings",
    title: "strings: empty, whitespace kept exactly, newlines, BMP and astral unicode",
    async run(t) {
      await roundTrip(t, {
        empty: "",
        spaces: "  padded  ",
        lines: "line\nbreak\r\nand\ttab\n",
        accents: "é è ñ ü",
        cjk: "日本語のテキスト",
        emoji: "😀👍🏽👨‍👩‍👧",
        combining: "e\u0301",
        rtl: "שלום עולם",
        specials: "\uFFFD\uFFFF\uFEFF\u200B\u2028\u2029",
        quotes: `"'\`\\ {} [] % _ * ?`,
        max: "\u{10FFFF}",
      });
    },
  },
  {
    id: "strings-unsafe",
    title: "strings with U+0000, control characters and lone surrogates inside values",
    async run(t) {
      await roundTrip(t, {
        nul: "a\u0000b",
        nulOnly: "\u0000",
        controls: "\u0001\u0002\u001f\u007f",
        loneHigh: "\uD800",
        loneLow: "x\uDC00y",
        reversed: "\uDC00\uD800",
        trailing: "end\uD83D",
        nested: { s: "in\u0000side", list: ["\uD800", "ok"] },
      });
    },
  },
  {
    id: "numbers",
    title: "numbers: -0, NaN, ±Infinity, extremes and float precision",
    async run(t) {
      await roundTrip(t, {
        zero: 0,
        negZero: -0,
        nan: Number.NaN,
        inf: Number.POSITIVE_INFINITY,
        negInf: Number.NEGATIVE_INFINITY,
        maxSafe: Number.MAX_SAFE_INTEGER,
        minSafe: Number.MIN_SAFE_INTEGER,
        beyondSafe: 2 ** 53 + 2,
        max: Number.MAX_VALUE,
        tiny: Number.MIN_VALUE,
        small: 1e-300,
        fraction: 0.1 + 0.2,
        big: 1e21,
        negative: -123.456,
        inArray: [-0, Number.NaN, Number.POSITIVE_INFINITY, 1.5],
      });
    },
  },
  {
    id: "scalars",
    title: "booleans and null at the top level and nested",
    async run(t) {
      await roundTrip(t, { yes: true, no: false, nil: null, mixed: [true, false, null, { n: null }] });
    },
  },
  {
    id: "dates",
    title: "Date values, including epoch 0, negative, extreme and invalid dates",
    async run(t) {
      const kv = t.kv();
      const dates = [new Date(0), new Date(-1), new Date(8.64e15), new Date(-8.64e15), new Date(1700000000123)];
      await kv.set("dates", dates);
      await kv.set("invalid", new Date(Number.NaN));
      await kv.set("nested", { at: new Date(5), list: [new Date(6)] });
      const got = (await kv.get("dates")) as Date[];
      expect(got.every((d) => d instanceof Date)).toBe(true);
      expect(got.map((d) => d.getTime())).toEqual(dates.map((d) => d.getTime()));
      const invalid = await kv.get("invalid");
      expect(invalid).toBeInstanceOf(Date);
      expect(Number.isNaN((invalid as Date).getTime())).toBe(true);
      expect(await kv.get("nested")).toEqual({ at: new Date(5), list: [new Date(6)] });
    },
  },
  {
    id: "bigint",
    title: "BigInt values: zero, negative, huge",
    async run(t) {
      await roundTrip(t, {
        zero: 0n,
        minusOne: -1n,
        huge: 2n ** 200n,
        hugeNegative: -(2n ** 521n - 1n),
        inside: { n: 12345678901234567890n, list: [1n, -2n] },
      });
    },
  },
  {
    id: "bytes",
    title: "Uint8Array: empty, every byte value, a view into a larger buffer, 100 KB",
    async run(t) {
      const all = new Uint8Array(256).map((_, i) => i);
      const large = new Uint8Array(100_000).map((_, i) => (i * 31 + 7) % 256);
      const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
      const kv = t.kv();
      await kv.setMany([
        { key: "empty", value: new Uint8Array(0) },
        { key: "all", value: all },
        { key: "large", value: large },
        { key: "view", value: backing.subarray(2, 5) },
        { key: "nested", value: { data: [new Uint8Array([0, 255])] } },
      ]);
      const got = await kv.getMany(["empty", "all", "large", "view", "nested"]);
      for (const v of got.slice(0, 4)) expect(v).toBeInstanceOf(Uint8Array);
      expect((got[0] as Uint8Array).length).toBe(0);
      expect(Buffer.from(got[1] as Uint8Array).equals(Buffer.from(all))).toBe(true);
      expect(Buffer.from(got[2] as Uint8Array).equals(Buffer.from(large))).toBe(true);
      expect([...(got[3] as Uint8Array)]).toEqual([1, 2, 3]);
      expect(got[4]).toEqual({ data: [new Uint8Array([0, 255])] });
    },
  },
  {
    id: "maps",
    title: "Map with string, object and Date keys, nested, in insertion order",
    async run(t) {
      const kv = t.kv();
      const map = new Map<unknown, unknown>([
        ["z", 1],
        [{ id: 1 }, "object key"],
        [new Date(3), "date key"],
        [2, new Map([["inner", new Set([1])]])],
        ["a", undefined],
      ]);
      await kv.set("m", map);
      const got = (await kv.get("m")) as Map<unknown, unknown>;
      expect(got).toBeInstanceOf(Map);
      expect(got).toEqual(map);
      expect([...got.keys()]).toEqual([...map.keys()]);
      const [entries] = await collect(kv.entries());
      expect(entries?.[1]).toEqual(map);
    },
  },
  {
    id: "sets",
    title: "Set with mixed members, in insertion order",
    async run(t) {
      const kv = t.kv();
      const set = new Set<unknown>(["b", 1, { x: 1 }, "a", 2n, null]);
      await kv.set("s", set);
      const got = (await kv.get("s")) as Set<unknown>;
      expect(got).toBeInstanceOf(Set);
      expect([...got]).toEqual([...set]);
    },
  },
  {
    id: "arrays-undefined",
    title: "arrays keep undefined items and holes (as undefined) and their length",
    async run(t) {
      const kv = t.kv();
      // biome-ignore lint/suspicious/noSparseArray: a hole is part of what is tested
      const value = [1, undefined, , 3, [undefined], { a: [undefined, null] }];
      await kv.set("a", value);
      await kv.set("only", [undefined]);
      const got = (await kv.get("a")) as unknown[];
      expect(got.length).toBe(6);
      expect(got).toEqual([1, undefined, undefined, 3, [undefined], { a: [undefined, null] }]);
      expect(await kv.get("only")).toEqual([undefined]);
      expect(((await kv.get("only")) as unknown[]).length).toBe(1);
    },
  },
  {
    id: "deep-nesting",
    title: "deeply nested values (300 levels) round-trip",
    async run(t) {
      let value: unknown = "leaf";
      for (let i = 0; i < 300; i++) value = i % 2 === 0 ? [value] : { [`k${i}`]: value };
      await roundTrip(t, { deep: value });
    },
  },
  {
    id: "tag-lookalikes",
    title: "objects with a \"$t\" key (the codec's tag) come back as plain objects",
    async run(t) {
      await roundTrip(t, {
        tag: { $t: "date", v: 0 },
        big: { $t: "big", v: "1" },
        onlyTag: { $t: 1 },
        nested: [{ $t: "undef" }, { a: { $t: "map", v: [] } }],
      });
    },
  },
  {
    id: "proto-key",
    title: "an own \"__proto__\" key round-trips and pollutes nothing",
    async run(t) {
      const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1, "inner": {"__proto__": [1]}}');
      await roundTrip(t, { p: value });
      const kv = t.kv();
      await kv.set("p", value);
      const got = (await kv.get("p")) as Record<string, unknown>;
      expect(Object.hasOwn(got, "__proto__")).toBe(true);
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  },
  {
    id: "object-keys",
    title: "object keys: empty, numeric-looking, unicode, U+0000 and lone surrogates",
    async run(t) {
      await roundTrip(t, {
        o: { "": 1, "1": 2, "01": 3, "é": 4, "😀": 5, "a\u0000b": 6, "\uD800": 7, " ": 8, "a.b": 9, "a:b": 10 },
      });
    },
  },
  {
    id: "reject-undefined",
    title: "undefined as a value throws ValidationError and writes nothing",
    async run(t) {
      await refused(t, [undefined]);
    },
  },
  {
    id: "reject-functions",
    title: "functions anywhere in a value throw ValidationError and write nothing",
    async run(t) {
      await refused(t, [() => 1, { f() {} }, [1, Math.max], new Map([["k", () => 0]]), new Set([() => 0])]);
    },
  },
  {
    id: "reject-symbols",
    title: "symbols anywhere in a value throw ValidationError and write nothing",
    async run(t) {
      await refused(t, [Symbol("s"), { s: Symbol.iterator }, [Symbol("x")]]);
    },
  },
  {
    id: "reject-instances",
    title: "class instances, RegExp, typed arrays other than Uint8Array, Errors throw ValidationError",
    async run(t) {
      class Point {
        x = 1;
      }
      await refused(t, [new Point(), /re/g, new Int16Array(2), new Error("e"), { nested: new WeakMap() }, Promise.resolve(1)]);
    },
  },
  {
    id: "reject-cycles",
    title: "cyclic values throw ValidationError and write nothing; a shared (acyclic) reference is fine",
    async run(t) {
      const obj: Record<string, unknown> = { a: 1 };
      obj.self = obj;
      const arr: unknown[] = [];
      arr.push([arr]);
      const map = new Map<string, unknown>();
      map.set("m", { back: map });
      await refused(t, [obj, arr, map]);
      const kv = t.kv();
      const shared = { x: 1 };
      await kv.set("shared", { a: shared, b: shared, list: [shared, shared] });
      expect(await kv.get("shared")).toEqual({ a: { x: 1 }, b: { x: 1 }, list: [{ x: 1 }, { x: 1 }] });
    },
  },
  {
    id: "size-limit",
    title: "a value exactly at the size limit is stored whole; one byte more throws VALUE_TOO_LARGE and writes nothing",
    timeoutMs: 60_000,
    async run(t) {
      const kv = t.kv();
      const limit = effectiveLimit(t);
      const exact = "x".repeat(limit - 2); // encoded as JSON text: two quotes more
      expect(await kv.set("big", exact)).toBe(1);
      const got = (await kv.get("big")) as string;
      expect(got.length).toBe(exact.length);
      expect(got === exact).toBe(true);
      const error = await expectError(() => kv.set("big", `${exact}y`), "VALIDATION", "VALUE_TOO_LARGE");
      expect(error.message).toContain(String(limit));
      await expectError(() => kv.set("other", `${exact}y`), "VALIDATION", "VALUE_TOO_LARGE");
      expect((await kv.getEntry("big"))?.version).toBe(1);
      expect(await kv.has("other")).toBe(false);
    },
  },
  {
    id: "size-limit-multibyte",
    title: "the size limit counts UTF-8 bytes: a multibyte value just under it round-trips exactly",
    timeoutMs: 60_000,
    async run(t) {
      const kv = t.kv();
      const limit = effectiveLimit(t);
      const text = "€😀".repeat(Math.floor((limit - 2) / 7)); // 3 + 4 bytes per repetition
      await kv.set("multi", text);
      const got = (await kv.get("multi")) as string;
      expect(got.length).toBe(text.length);
      expect(got === text).toBe(true);
      await expectError(() => kv.set("multi", "€".repeat(Math.ceil(limit / 3))), "VALIDATION", "VALUE_TOO_LARGE");
      expect((await kv.getEntry("multi"))?.version).toBe(1);
    },
  },
];
