// kv/basic: the single-key and batch round trips every other group builds on.

import { expect } from "vitest";
import { pad, range, shuffled } from "../assert.ts";
import type { CaseDef } from "../types.ts";

export const kvBasic: CaseDef[] = [
  {
    id: "set-get",
    title: "set then get returns the value; getEntry has key, version 1 and no expiry",
    async run(t) {
      const kv = t.kv();
      expect(await kv.set("a", { n: 1, s: "x" })).toBe(1);
      expect(await kv.get("a")).toEqual({ n: 1, s: "x" });
      expect(await kv.getEntry("a")).toEqual({ key: "a", value: { n: 1, s: "x" }, version: 1, expiresAt: null });
      expect(await kv.has("a")).toBe(true);
    },
  },
  {
    id: "missing",
    title: "a missing key reads as undefined everywhere",
    async run(t) {
      const kv = t.kv();
      await kv.set("present", 1);
      expect(await kv.get("absent")).toBeUndefined();
      expect(await kv.getEntry("absent")).toBeUndefined();
      expect(await kv.has("absent")).toBe(false);
      expect(await kv.getMany(["absent"])).toEqual([undefined]);
    },
  },
  {
    id: "overwrite-versions",
    title: "overwriting replaces the value and increments the version by one per write",
    async run(t) {
      const kv = t.kv();
      expect(await kv.set("a", "one")).toBe(1);
      expect(await kv.set("a", "two")).toBe(2);
      expect(await kv.set("a", "two")).toBe(3);
      const entry = await kv.getEntry("a");
      expect(entry?.value).toBe("two");
      expect(entry?.version).toBe(3);
    },
  },
  {
    id: "falsy-values",
    title: "falsy values (0, false, null, empty string/array/object) are stored, not treated as missing",
    async run(t) {
      const kv = t.kv();
      const values: Record<string, unknown> = { zero: 0, no: false, nil: null, empty: "", arr: [], obj: {} };
      for (const [k, v] of Object.entries(values)) await kv.set(k, v);
      for (const [k, v] of Object.entries(values)) {
        expect(await kv.has(k)).toBe(true);
        expect(await kv.get(k)).toEqual(v);
      }
      expect(await kv.count()).toBe(6);
    },
  },
  {
    id: "delete",
    title: "delete returns true once, then false; the key is gone",
    async run(t) {
      const kv = t.kv();
      await kv.set("a", 1);
      await kv.set("b", 2);
      expect(await kv.delete("a")).toBe(true);
      expect(await kv.delete("a")).toBe(false);
      expect(await kv.get("a")).toBeUndefined();
      expect(await kv.has("a")).toBe(false);
      expect(await kv.get("b")).toBe(2);
      expect(await kv.delete("never")).toBe(false);
    },
  },
  {
    id: "version-after-delete",
    title: "a key set again after delete starts again at version 1",
    async run(t) {
      const kv = t.kv();
      await kv.set("a", 1);
      await kv.set("a", 2);
      await kv.delete("a");
      expect(await kv.set("a", 3)).toBe(1);
      expect((await kv.getEntry("a"))?.version).toBe(1);
    },
  },
  {
    id: "getmany-order",
    title: "getMany answers in input order, with duplicates and undefined for missing keys",
    async run(t) {
      const kv = t.kv();
      await kv.setMany([
        { key: "b", value: "B" },
        { key: "a", value: "A" },
        { key: "c", value: "C" },
      ]);
      expect(await kv.getMany(["c", "x", "a", "b", "a", "y", "c"])).toEqual(["C", undefined, "A", "B", "A", undefined, "C"]);
      const entries = await kv.getEntries(["b", "zz", "b"]);
      expect(entries.map((e) => e?.key)).toEqual(["b", undefined, "b"]);
      expect(await kv.getMany([])).toEqual([]);
    },
  },
  {
    id: "getmany-large-shuffled",
    title: "getMany of 500 keys in shuffled order returns each value in its input position",
    async run(t) {
      const kv = t.kv();
      const keys = range(500).map((i) => `key-${pad(i)}`);
      await kv.setMany(keys.map((key, i) => ({ key, value: i })));
      const asked = shuffled([...keys, "missing-1", "missing-2"], 7);
      const values = await kv.getMany(asked);
      expect(values).toEqual(asked.map((k) => (k.startsWith("missing") ? undefined : Number(k.slice(4)))));
    },
  },
  {
    id: "getentries-versions",
    title: "getEntries reports each key's own version",
    async run(t) {
      const kv = t.kv();
      await kv.set("a", 1);
      await kv.set("b", 1);
      await kv.set("b", 2);
      await kv.set("c", 1);
      await kv.set("c", 2);
      await kv.set("c", 3);
      const entries = await kv.getEntries(["c", "a", "b"]);
      expect(entries.map((e) => [e?.key, e?.version, e?.value])).toEqual([
        ["c", 3, 3],
        ["a", 1, 1],
        ["b", 2, 2],
      ]);
    },
  },
  {
    id: "has-missing",
    title: "missing() returns the absent keys in input order",
    async run(t) {
      const kv = t.kv();
      await kv.setMany([
        { key: "a", value: 1 },
        { key: "c", value: 3 },
      ]);
      expect(await kv.missing(["d", "a", "b", "c", "e"])).toEqual(["d", "b", "e"]);
      expect(await kv.missing(["a", "c"])).toEqual([]);
    },
  },
  {
    id: "setmany-versions",
    title: "setMany returns the new versions in input order (1 for new keys, +1 for existing ones)",
    async run(t) {
      const kv = t.kv();
      await kv.set("b", 0);
      await kv.set("b", 0);
      await kv.set("d", 0);
      const versions = await kv.setMany([
        { key: "a", value: 1 },
        { key: "b", value: 2 },
        { key: "c", value: 3 },
        { key: "d", value: 4 },
      ]);
      expect(versions).toEqual([1, 3, 1, 2]);
      expect(await kv.getMany(["a", "b", "c", "d"])).toEqual([1, 2, 3, 4]);
      expect(await kv.setMany([])).toEqual([]);
    },
  },
  {
    id: "deletemany",
    title: "deleteMany counts only the live entries it removed (duplicates once) and leaves the rest",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(5).map((i) => ({ key: `k${i}`, value: i })));
      expect(await kv.deleteMany(["k1", "k3", "nope", "k1"])).toBe(2);
      expect(await kv.getMany(["k0", "k1", "k2", "k3", "k4"])).toEqual([0, undefined, 2, undefined, 4]);
      expect(await kv.deleteMany(["k1", "k3"])).toBe(0);
      expect(await kv.deleteMany([])).toBe(0);
      expect(await kv.count()).toBe(3);
    },
  },
  {
    id: "namespace-isolation",
    title: "the same key in two namespaces holds separate values and versions",
    async run(t) {
      const a = t.kv();
      const b = t.kv();
      await a.set("k", "in a");
      await a.set("k", "in a again");
      await b.set("k", "in b");
      expect(await a.getEntry("k")).toMatchObject({ value: "in a again", version: 2 });
      expect(await b.getEntry("k")).toMatchObject({ value: "in b", version: 1 });
      await b.delete("k");
      expect(await a.get("k")).toBe("in a again");
      expect(await b.count()).toBe(0);
      expect(await a.count()).toBe(1);
    },
  },
  {
    id: "delete-exact",
    title: "deleting a key leaves keys it is a prefix of (and LIKE/glob look-alikes) alone",
    async run(t) {
      const kv = t.kv();
      const keys = ["a", "ab", "a_", "a%", "a*", "a?", "A", "a "];
      await kv.setMany(keys.map((key) => ({ key, value: key })));
      expect(await kv.delete("a")).toBe(true);
      expect(await kv.deleteMany(["a_", "a*"])).toBe(2);
      expect(await kv.getMany(keys)).toEqual([undefined, "ab", undefined, "a%", undefined, "a?", "A", "a "]);
      expect(await kv.count()).toBe(5);
    },
  },
];
