// kv/keys: any characters are valid in keys, the limits are exact, and prefixes are literal
// (no SQL LIKE, glob or regex meaning leaks through).

import { expect } from "vitest";
import { byteSorted, collect, expectError, listAll } from "../assert.ts";
import type { CaseContext, CaseDef } from "../types.ts";

/** Stores each key with its own text as value; checks get, list order, count and delete. */
async function keysRoundTrip(t: CaseContext, keys: string[]): Promise<void> {
  const kv = t.kv();
  await kv.setMany(keys.map((key) => ({ key, value: key })));
  for (const key of keys) expect(await kv.get(key), `get(${JSON.stringify(key)})`).toBe(key);
  expect(await kv.getMany(keys)).toEqual(keys);
  expect((await listAll(kv, { limit: 4 })).keys).toEqual(byteSorted(keys));
  expect(await kv.count()).toBe(keys.length);
  for (const key of keys) expect(await kv.delete(key), `delete(${JSON.stringify(key)})`).toBe(true);
  expect(await kv.count()).toBe(0);
}

/** `prefix` must select exactly the keys that start with it (as plain text). */
async function prefixExact(t: CaseContext, keys: string[], prefixes: string[]): Promise<void> {
  const kv = t.kv();
  await kv.setMany(keys.map((key) => ({ key, value: 1 })));
  for (const prefix of prefixes) {
    const expected = byteSorted(keys.filter((k) => k.startsWith(prefix)));
    expect((await listAll(kv, { prefix, limit: 2 })).keys, `list prefix ${JSON.stringify(prefix)}`).toEqual(expected);
    expect(await kv.count({ prefix }), `count prefix ${JSON.stringify(prefix)}`).toBe(expected.length);
    expect(await collect(kv.keys({ prefix, pageSize: 3 })), `keys() prefix ${JSON.stringify(prefix)}`).toEqual(expected);
  }
}

export const kvKeys: CaseDef[] = [
  {
    id: "punctuation",
    title: "keys with : { } * % _ ' \\ \" ? [ ] / # . and - are ordinary keys",
    async run(t) {
      await keysRoundTrip(t, [":", "a:b", "{", "}", "{tag}", "*", "%", "_", "'", "\\", '"', "?", "[", "]", "/", "#", ".", "-", "a'b", "a\\b", "'; DROP TABLE x; --", "$" + "{x}", "%s%d", "a*b?c[d]"]);
    },
  },
  {
    id: "whitespace",
    title: "keys with spaces, tabs and newlines (leading and trailing too) are distinct keys",
    async run(t) {
      await keysRoundTrip(t, ["a", "a ", " a", "a b", "a\tb", "a\nb", "a\r\nb", "\n", " ", "  "]);
    },
  },
  {
    id: "unicode",
    title: "unicode keys: accents, CJK, emoji, combining marks, RTL, U+FFFF and the last code point",
    async run(t) {
      await keysRoundTrip(t, ["é", "e\u0301", "日本", "😀", "👍🏽", "שלום", "\uFFFD", "\uFFFF", "\u{10FFFF}", "\u0001", "\u007f", "ß", "SS"]);
    },
  },
  {
    id: "case-sensitive",
    title: "keys differing only by case, trailing space or normalization are different keys",
    async run(t) {
      const kv = t.kv();
      const keys = ["key", "KEY", "Key", "key ", "café", "cafe\u0301", "ﬁ", "fi"];
      await kv.setMany(keys.map((key, i) => ({ key, value: i })));
      expect(await kv.getMany(keys)).toEqual(keys.map((_, i) => i));
      expect(await kv.count()).toBe(keys.length);
      expect(await kv.count({ prefix: "k" })).toBe(2);
      await kv.delete("KEY");
      expect(await kv.getMany(["key", "KEY", "Key"])).toEqual([0, undefined, 2]);
    },
  },
  {
    id: "max-length",
    title: "a 1024-byte key works everywhere (ASCII and multibyte)",
    async run(t) {
      const ascii = "k".repeat(1024);
      const multi = `${"€".repeat(341)}a`; // 341 × 3 + 1 = 1024 bytes
      const astral = "😀".repeat(256); // 256 × 4 = 1024 bytes
      expect(Buffer.byteLength(multi)).toBe(1024);
      await keysRoundTrip(t, [ascii, multi, astral]);
      const kv = t.kv();
      await kv.set(ascii, 1);
      expect((await kv.list({ prefix: "k".repeat(1000) })).items).toEqual([ascii]);
    },
  },
  {
    id: "too-long",
    title: "a 1025-byte key throws ValidationError INVALID_KEY for every operation and writes nothing",
    async run(t) {
      const kv = t.kv();
      const long = "k".repeat(1025);
      const longMulti = "€".repeat(342); // 1026 bytes, 342 characters
      for (const key of [long, longMulti]) {
        await expectError(() => kv.set(key, 1), "VALIDATION", "INVALID_KEY");
        await expectError(() => kv.get(key), "VALIDATION", "INVALID_KEY");
        await expectError(() => kv.delete(key), "VALIDATION", "INVALID_KEY");
        await expectError(() => kv.setMany([{ key: "ok", value: 1 }, { key, value: 1 }]), "VALIDATION", "INVALID_KEY");
      }
      expect(await kv.count()).toBe(0);
    },
  },
  {
    id: "invalid",
    title: "empty keys, U+0000, lone surrogates and non-strings throw ValidationError INVALID_KEY",
    async run(t) {
      const kv = t.kv();
      for (const key of ["", "a\u0000b", "\u0000", "\uD800", "a\uDC00"]) {
        await expectError(() => kv.set(key, 1), "VALIDATION", "INVALID_KEY");
        await expectError(() => kv.get(key), "VALIDATION", "INVALID_KEY");
        await expectError(() => kv.getMany(["ok", key]), "VALIDATION", "INVALID_KEY");
        await expectError(() => kv.deleteMany(["ok", key]), "VALIDATION", "INVALID_KEY");
      }
      for (const key of [1, null, undefined, {}, ["a"]]) {
        await expectError(() => kv.set(key as unknown as string, 1), "VALIDATION", "INVALID_KEY");
      }
      await expectError(() => kv.list({ prefix: "a\u0000" }), "VALIDATION", "INVALID_KEY");
      expect(await kv.count()).toBe(0);
    },
  },
  {
    id: "prefix-like",
    title: "prefix listing treats % and _ literally (SQL LIKE traps)",
    async run(t) {
      await prefixExact(t, ["a%b", "a%%", "a_b", "axb", "a_", "ab", "a", "%", "_", "100%", "100_", "1000"], ["a%", "a_", "%", "_", "100%", "100_", "a"]);
    },
  },
  {
    id: "prefix-glob",
    title: "prefix listing treats * ? [ ] ^ $ . literally (glob and regex traps)",
    async run(t) {
      await prefixExact(
        t,
        ["a*1", "a*", "ab", "a?c", "abc", "a[b]", "ab]", "a[", "a.b", "axb", "a^", "a$", "[", "*", "?x"],
        ["a*", "a?", "a[", "a[b", "a.", "*", "?", "[", "a^", "a$"],
      );
    },
  },
  {
    id: "prefix-escapes",
    title: "prefix listing treats \\ ' \" and : literally (escape traps)",
    async run(t) {
      await prefixExact(t, ["a\\b", "a\\\\", "a\\", "ab", "a'b", "a''", "a\"", 'a""', "a:b", "a::", "a"], ["a\\", "a\\\\", "a'", "a''", 'a"', "a:", "a::"]);
    },
  },
  {
    id: "prefix-high-code-points",
    title: "prefix ranges are correct next to U+FFFF and astral characters",
    async run(t) {
      await prefixExact(
        t,
        ["a\uFFFF", "a\uFFFFb", "a\uFFFF😀", "a😀", "a😀x", "a😁", "a\u{10FFFF}", "b", "a\u007f", "a\u0080", "a\u07ff", "a\u0800", "a\uD7FF", "a\uE000"],
        ["a\uFFFF", "a😀", "a\u{10FFFF}", "a\u007f", "a\u07ff", "a\uD7FF", "a"],
      );
    },
  },
  {
    id: "invalid-names",
    title: "invalid namespace names throw ValidationError INVALID_NAME; the whole safe alphabet works",
    async run(t) {
      for (const name of ["", "a b", "-x", ".x", "_x", "a/b", "a:b", "ü", "a".repeat(129), "a\u0000", "a*"]) {
        await expectError(() => t.store.kv(name), "VALIDATION", "INVALID_NAME");
      }
      const base = t.freshName("kv");
      const long = t.track("kv", `${base}${"x".repeat(128 - base.length)}`);
      const odd = t.track("kv", `${base}.A-b_9`);
      for (const name of [long, odd]) {
        const kv = t.store.kv(name);
        await kv.set("k", name);
        expect(await kv.get("k")).toBe(name);
      }
      expect(await t.store.kv(base).count()).toBe(0);
    },
  },
];
