// kv/list: UTF-8 byte order, pages past several pages with stable cursors, prefixes, counts and
// the keys()/entries() iterators.

import { expect } from "vitest";
import { byteSorted, collect, expectError, expectUnique, listAll, pad, range, shuffled } from "../assert.ts";
import type { CaseDef } from "../types.ts";

export const kvList: CaseDef[] = [
  {
    id: "empty",
    title: "an empty namespace lists no keys, no cursor, count 0",
    async run(t) {
      const kv = t.kv();
      expect(await kv.list()).toEqual({ items: [], cursor: undefined });
      expect(await kv.list({ prefix: "a", limit: 1 })).toEqual({ items: [], cursor: undefined });
      expect(await kv.count()).toBe(0);
      expect(await collect(kv.keys())).toEqual([]);
      expect(await collect(kv.entries())).toEqual([]);
    },
  },
  {
    id: "byte-order",
    title: "keys list in UTF-8 byte order (case, digits, punctuation, multibyte)",
    async run(t) {
      const kv = t.kv();
      const keys = ["b", "a", "B", "A", "10", "9", "a-b", "a_b", "a b", "a~", "é", "z", "Z", "ä", "ab", "a", "aa"].filter((k, i, all) => all.indexOf(k) === i);
      await kv.setMany(shuffled(keys).map((key) => ({ key, value: 1 })));
      const expected = byteSorted(keys);
      expect((await kv.list({ limit: 100 })).items).toEqual(expected);
      expect(expected.slice(0, 6)).toEqual(["10", "9", "A", "B", "Z", "a"]);
    },
  },
  {
    id: "byte-order-astral",
    title: "astral characters sort after U+E000..U+FFFF (UTF-8 order, not UTF-16 order)",
    async run(t) {
      const kv = t.kv();
      const keys = ["😀", "\uFFFD", "\uE000", "\uFFFF", "z", "\u00e9", "\u{10000}", "\u{1F600}a", "\uD7FF"];
      await kv.setMany(keys.map((key) => ({ key, value: key })));
      const expected = ["z", "\u00e9", "\uD7FF", "\uE000", "\uFFFD", "\uFFFF", "\u{10000}", "😀", "\u{1F600}a"];
      expect(byteSorted(keys)).toEqual(expected);
      expect((await kv.list()).items).toEqual(expected);
      expect((await listAll(kv, { limit: 2 })).keys).toEqual(expected);
      expect((await collect(kv.entries({ pageSize: 2 }))).map(([k]) => k)).toEqual(expected);
    },
  },
  {
    id: "limit-cursor",
    title: "a page holds at most limit keys and has a cursor exactly when it is full",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(6).map((i) => ({ key: `k${i}`, value: i })));
      const first = await kv.list({ limit: 3 });
      expect(first.items).toEqual(["k0", "k1", "k2"]);
      expect(first.cursor).toBeTypeOf("string");
      const second = await kv.list({ limit: 3, cursor: first.cursor as string });
      expect(second.items).toEqual(["k3", "k4", "k5"]);
      const third = await kv.list({ limit: 3, cursor: second.cursor as string });
      expect(third).toEqual({ items: [], cursor: undefined });
      const whole = await kv.list({ limit: 7 });
      expect(whole.items.length).toBe(6);
      expect(whole.cursor).toBeUndefined();
      expect((await kv.list({ limit: 1 })).items).toEqual(["k0"]);
    },
  },
  {
    id: "default-limit",
    title: "list() without a limit returns the first 100 keys; limits outside 1..10000 throw ValidationError",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(150).map((i) => ({ key: pad(i), value: i })));
      const page = await kv.list();
      expect(page.items).toEqual(range(100).map((i) => pad(i)));
      expect(page.cursor).toBeTypeOf("string");
      for (const limit of [0, -1, 1.5, 10_001, Number.NaN]) {
        await expectError(() => kv.list({ limit }), "VALIDATION", "INVALID_OPTION");
      }
      expect((await kv.list({ limit: 10_000 })).items.length).toBe(150);
    },
  },
  {
    id: "many-pages",
    title: "1000 keys over 34 pages of 30: every key once, in order, no gaps",
    async run(t) {
      const kv = t.kv();
      const keys = range(1000).map((i) => `item:${pad(i)}`);
      await kv.setMany(shuffled(keys).map((key) => ({ key, value: key })));
      const { keys: listed, pages } = await listAll(kv, { limit: 30 });
      expect(pages).toBe(34);
      expectUnique(listed);
      expect(listed).toEqual(keys);
      expect(await kv.count()).toBe(1000);
    },
  },
  {
    id: "pages-prefix",
    title: "paging with a prefix over several pages never shows keys outside the prefix",
    async run(t) {
      const kv = t.kv();
      const inside = range(95).map((i) => `user/${pad(i, 3)}`);
      const outside = ["user", "user.", "user0", "usea", "uses/1", "users/1", "u", "v", "userz/1", "user-/x"];
      await kv.setMany([...inside, ...outside].map((key) => ({ key, value: 1 })));
      const { keys, pages } = await listAll(kv, { prefix: "user/", limit: 10 });
      expect(keys).toEqual(inside);
      expect(pages).toBe(10);
      expect(await kv.count({ prefix: "user/" })).toBe(95);
      expect(await kv.count({ prefix: "user" })).toBe(95 + 6);
      expect(await kv.count({ prefix: "" })).toBe(105);
    },
  },
  {
    id: "cursor-stability",
    title: "writes between pages: keys behind the cursor are not repeated, keys ahead are seen, deleted keys ahead are not",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(40).map((i) => ({ key: pad(i * 10), value: i })));
      const seen: string[] = [];
      let page = await kv.list({ limit: 10 });
      seen.push(...page.items);
      // Behind the cursor: must not appear. Ahead: must appear. Deleted ahead: must not appear.
      await kv.setMany([
        { key: pad(5), value: "behind" },
        { key: pad(155), value: "ahead" },
        { key: pad(395), value: "far ahead" },
      ]);
      await kv.deleteMany([pad(200), pad(300)]);
      await kv.set(pad(0), "rewritten behind");
      while (page.cursor) {
        page = await kv.list({ limit: 10, cursor: page.cursor });
        seen.push(...page.items);
      }
      expectUnique(seen);
      expect(seen).not.toContain(pad(5));
      expect(seen).toContain(pad(155));
      expect(seen).toContain(pad(395));
      expect(seen).not.toContain(pad(200));
      expect(seen).not.toContain(pad(300));
      expect(seen.length).toBe(40 + 2 - 2);
      expect(seen).toEqual(byteSorted(seen));
    },
  },
  {
    id: "cursor-deleted-key",
    title: "a cursor stays valid after the last key of its page is deleted",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(9).map((i) => ({ key: `k${i}`, value: i })));
      const first = await kv.list({ limit: 3 });
      expect(first.items).toEqual(["k0", "k1", "k2"]);
      await kv.delete("k2");
      await kv.delete("k3");
      const second = await kv.list({ limit: 3, cursor: first.cursor as string });
      expect(second.items).toEqual(["k4", "k5", "k6"]);
    },
  },
  {
    id: "cursor-outside-prefix",
    title: "a cursor is bound to its prefix: one from a listing with another prefix, or none, throws ValidationError INVALID_CURSOR",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(["a1", "a2", "a3", "b1", "b2", "b3", "c1"].map((key) => ({ key, value: 1 })));
      const whole = (await kv.list({ limit: 2 })).cursor as string;
      const inB = (await kv.list({ prefix: "b", limit: 1 })).cursor as string;
      await expectError(() => kv.list({ prefix: "b", cursor: whole }), "VALIDATION", "INVALID_CURSOR");
      await expectError(() => kv.list({ cursor: inB }), "VALIDATION", "INVALID_CURSOR");
      await expectError(() => kv.list({ prefix: "b1", cursor: inB }), "VALIDATION", "INVALID_CURSOR");
      expect((await kv.list({ prefix: "b", cursor: inB })).items).toEqual(["b2", "b3"]);
      // The SPI itself: `after` before the prefix range starts at the prefix; past it, nothing.
      const spi = (after: string) =>
        t.driver.kv.list(kv.namespace, { prefix: "b", after, limit: 10, withValues: false }, t.clock.now()).then((r) => r.map((i) => i.key));
      expect(await spi("a2")).toEqual(["b1", "b2", "b3"]);
      expect(await spi("b2")).toEqual(["b3"]);
      expect(await spi("c1")).toEqual([]);
    },
  },
  {
    id: "invalid-cursor",
    title: "a cursor that no kv listing returned throws ValidationError INVALID_CURSOR",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(3).map((i) => ({ key: `k${i}`, value: i })));
      for (const cursor of ["garbage!", "", "bm90IGpzb24", Buffer.from('["node","k1"]').toString("base64url"), Buffer.from('["kv",""]').toString("base64url")]) {
        await expectError(() => kv.list({ cursor }), "VALIDATION", "INVALID_CURSOR");
      }
    },
  },
  {
    id: "prefix-is-key",
    title: "a prefix equal to a whole key includes that key and the longer ones only",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(["ab", "abc", "abd", "ab/", "aa", "ac", "a", "abc/d"].map((key) => ({ key, value: 1 })));
      expect((await kv.list({ prefix: "ab" })).items).toEqual(["ab", "ab/", "abc", "abc/d", "abd"]);
      expect((await kv.list({ prefix: "abc" })).items).toEqual(["abc", "abc/d"]);
      expect(await kv.count({ prefix: "abc/d" })).toBe(1);
      expect(await kv.count({ prefix: "abc/de" })).toBe(0);
    },
  },
  {
    id: "overwrite-listed-once",
    title: "a key written many times is listed and counted once",
    async run(t) {
      const kv = t.kv();
      for (let i = 0; i < 10; i++) await kv.set("same", i);
      await kv.setMany([
        { key: "same", value: "x" },
        { key: "other", value: 1 },
      ]);
      await kv.set("other", 2);
      expect((await kv.list()).items).toEqual(["other", "same"]);
      expect(await kv.count()).toBe(2);
      expect(await collect(kv.keys())).toEqual(["other", "same"]);
    },
  },
  {
    id: "count-after-deletes",
    title: "count follows writes and deletes, with and without prefix",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(20).map((i) => ({ key: `${i % 2 ? "odd" : "even"}/${pad(i, 2)}`, value: i })));
      expect(await kv.count()).toBe(20);
      expect(await kv.count({ prefix: "odd/" })).toBe(10);
      await kv.deleteMany(["odd/01", "odd/03", "even/00", "missing"]);
      await kv.delete("odd/05");
      expect(await kv.count()).toBe(16);
      expect(await kv.count({ prefix: "odd/" })).toBe(7);
      expect(await kv.count({ prefix: "even/" })).toBe(9);
      expect(await kv.count({ prefix: "nothing" })).toBe(0);
    },
  },
  {
    id: "keys-iterator",
    title: "keys() walks every page in order, with and without a prefix",
    async run(t) {
      const kv = t.kv();
      const keys = range(53).map((i) => `k/${pad(i, 3)}`);
      await kv.setMany([...keys, "j", "l"].map((key) => ({ key, value: 1 })));
      expect(await collect(kv.keys({ pageSize: 5 }))).toEqual(["j", ...keys, "l"]);
      expect(await collect(kv.keys({ prefix: "k/", pageSize: 4 }))).toEqual(keys);
      expect(await collect(kv.keys({ prefix: "k/", pageSize: 53 }))).toEqual(keys);
      expect(await collect(kv.keys())).toEqual(["j", ...keys, "l"]);
    },
  },
  {
    id: "entries-iterator",
    title: "entries() yields [key, decoded value] pairs in order across pages",
    async run(t) {
      const kv = t.kv();
      const items = range(23).map((i) => ({ key: `e${pad(i, 2)}`, value: { i, at: new Date(i), big: BigInt(i) } }));
      await kv.setMany(shuffled(items));
      const got = await collect(kv.entries({ pageSize: 4 }));
      expect(got).toEqual(items.map(({ key, value }) => [key, value]));
      expect(await collect(kv.entries({ prefix: "e1", pageSize: 3 }))).toEqual(items.slice(10, 20).map(({ key, value }) => [key, value]));
    },
  },
  {
    id: "sibling-names",
    title: "list, count and clear ignore namespaces whose names extend this one (x, x1, x.a, x_a, x-a)",
    async run(t) {
      const base = t.freshName("kv");
      const siblings = ["1", ".a", "_a", "-a", "0"].map((s) => t.track("kv", `${base}${s}`));
      const kv = t.store.kv(base);
      await kv.setMany([{ key: "a", value: "base" }]);
      for (const name of siblings) await t.store.kv(name).setMany([{ key: "a", value: name }, { key: "b", value: name }]);
      expect((await kv.list()).items).toEqual(["a"]);
      expect(await kv.count()).toBe(1);
      expect(await collect(kv.keys())).toEqual(["a"]);
      expect(await kv.get("b")).toBeUndefined();
      await kv.clear();
      for (const name of siblings) {
        expect(await t.store.kv(name).count(), name).toBe(2);
        expect(await t.store.kv(name).get("a")).toBe(name);
      }
    },
  },
];
