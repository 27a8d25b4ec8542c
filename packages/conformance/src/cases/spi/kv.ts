// spi/kv: every sentence of KvDriver's doc comments, called on the driver itself (not through
// core), with core's encoded values and an explicit `now`.

import { expect } from "vitest";
import { byteSorted } from "../../assert.ts";
import type { CaseDef } from "../../types.ts";
import { conflicts, enc, ok, put, read, spiKv, write } from "./helpers.ts";

const entry = (value: unknown, version: number, expiresAt: number | null = null) => ({ value: enc(value), version, expiresAt });

export const spiKvCases: CaseDef[] = [
  {
    id: "get-many-order",
    title: "getMany: entries in input order, keys may repeat, undefined where missing",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("b", "B"), put("a", "A"), put("c", { c: 1 })], now);
      const got = await read(kv, ns, ["c", "missing", "a", "c", "b", "a"], now);
      expect(got, "getMany must answer position by position, in input order, repeats included").toEqual([
        entry({ c: 1 }, 1),
        undefined,
        entry("A", 1),
        entry({ c: 1 }, 1),
        entry("B", 1),
        entry("A", 1),
      ]);
      expect(await read(kv, ns, ["x", "y"], now), "getMany of keys never written").toEqual([undefined, undefined]);
      expect(await read(kv, t.freshName("kv"), ["a"], now), "getMany in a namespace never written").toEqual([undefined]);
    },
  },
  {
    id: "get-many-shape",
    title: "getMany: an entry carries exactly value, version and expiresAt (null or the epoch ms given)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("plain", [1, "x"]), put("timed", true, { expiresAt: now + 123_457 })], now);
      const [plain, timed] = await read(kv, ns, ["plain", "timed"], now);
      expect(plain, "an entry written without expiry").toEqual({ value: enc([1, "x"]), version: 1, expiresAt: null });
      if (t.capabilities.ttl) expect(timed, "an entry written with expiresAt keeps it to the millisecond").toEqual(entry(true, 1, now + 123_457));
      expect(typeof plain?.version, "version is a number (not a string or a bigint)").toBe("number");
    },
  },
  {
    id: "set-many-versions",
    title: "setMany: results[i] is the new version of writes[i] (1 for a new key, +1 for an existing one)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("old", 1)], now);
      await write(kv, ns, [put("old", 2)], now);
      const results = await write(kv, ns, [put("new1", 1), put("old", 3), put("new2", 1)], now);
      expect(results, "results must be in the order of the writes, each the version the write produced").toEqual([1, 3, 1]);
      expect(await read(kv, ns, ["old", "new1", "new2"], now)).toEqual([entry(3, 3), entry(1, 1), entry(1, 1)]);
    },
  },
  {
    id: "set-many-increments",
    title: "setMany: every write adds exactly one to the version, and replaces value and expiry whole",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const versions: number[] = [];
      for (let i = 1; i <= 12; i++) {
        const expiresAt = t.capabilities.ttl && i % 2 === 0 ? now + 60_000 + i : null;
        versions.push(...(await write(kv, ns, [put("k", { i }, { expiresAt })], now)));
        expect((await read(kv, ns, ["k"], now))[0], `after write ${i}`).toEqual(entry({ i }, i, expiresAt));
      }
      expect(versions, "versions go 1, 2, 3, … one per write").toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    },
  },
  {
    id: "set-many-conflicts-all",
    title: "setMany: when conditions fail, conflicts lists every failing position and nothing is written",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("a", "a1"), put("b", "b1"), put("c", "c1")], now);
      const result = await kv.setMany(
        ns,
        [
          put("a", "a2", { ifVersion: 2 }), // fails: a is at 1
          put("new", "n"), // would succeed
          put("b", "b2", { ifAbsent: true }), // fails: b exists
          put("c", "c2", { ifVersion: 1 }), // holds
          put("gone", "g", { ifVersion: 1 }), // fails: absent
          put("fresh", "f", { ifAbsent: true }), // holds
        ],
        now,
      );
      conflicts(result, [0, 2, 4], "setMany with three failing conditions");
      expect(await read(kv, ns, ["a", "b", "c", "new", "gone", "fresh"], now), "a failing batch must write nothing, not even its unconditional or holding writes").toEqual([
        entry("a1", 1),
        entry("b1", 1),
        entry("c1", 1),
        undefined,
        undefined,
        undefined,
      ]);
    },
  },
  {
    id: "set-many-conditions-hold",
    title: "setMany: ifVersion equal to the live version and ifAbsent on an absent key apply, with new versions",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("a", 1)], now);
      await write(kv, ns, [put("a", 2)], now);
      const results = await write(kv, ns, [put("a", 3, { ifVersion: 2 }), put("b", 1, { ifAbsent: true }), put("c", 1)], now, "conditions that hold");
      expect(results).toEqual([3, 1, 1]);
      conflicts(await kv.setMany(ns, [put("a", 4, { ifVersion: 2 })], now), [0], "ifVersion of the previous version");
      conflicts(await kv.setMany(ns, [put("a", 4, { ifVersion: 4 })], now), [0], "ifVersion of a version not reached yet");
      conflicts(await kv.setMany(ns, [put("b", 2, { ifAbsent: true })], now), [0], "ifAbsent on a live key");
      conflicts(await kv.setMany(ns, [put("zz", 1, { ifVersion: 1 })], now), [0], "ifVersion on a missing key");
      expect(await read(kv, ns, ["a", "b"], now)).toEqual([entry(3, 3), entry(1, 1)]);
    },
  },
  {
    id: "set-many-ifversion-and-absent",
    title: "setMany: ifVersion 1 after a delete conflicts, ifAbsent after a delete applies with version 1",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("k", 1)], now);
      ok(await kv.deleteMany(ns, [{ key: "k" }], now), "deleteMany");
      conflicts(await kv.setMany(ns, [put("k", 2, { ifVersion: 1 })], now), [0], "ifVersion on a deleted key");
      expect(await write(kv, ns, [put("k", 3, { ifAbsent: true })], now), "ifAbsent after delete").toEqual([1]);
    },
  },
  {
    id: "delete-many-results",
    title: "deleteMany: results[i] says whether a live entry was removed, in input order",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("a", 1), put("b", 2), put("c", 3)], now);
      const results = ok(await kv.deleteMany(ns, [{ key: "b" }, { key: "nope" }, { key: "a" }], now), "deleteMany");
      expect(results, "true for each removed entry, false for a missing key, in the order of the deletes").toEqual([true, false, true]);
      expect(await read(kv, ns, ["a", "b", "c"], now)).toEqual([undefined, undefined, entry(3, 1)]);
      expect(ok(await kv.deleteMany(ns, [{ key: "a" }], now), "second delete"), "deleting twice removes nothing the second time").toEqual([false]);
      expect(await write(kv, ns, [put("a", 9)], now), "a deleted key starts again at version 1").toEqual([1]);
    },
  },
  {
    id: "delete-many-conflicts",
    title: "deleteMany: failing ifVersion conditions give every conflict position and delete nothing",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("a", 1), put("b", 1), put("c", 1)], now);
      await write(kv, ns, [put("b", 2)], now);
      const result = await kv.deleteMany(ns, [{ key: "a", ifVersion: 2 }, { key: "b", ifVersion: 2 }, { key: "c" }, { key: "missing", ifVersion: 1 }], now);
      conflicts(result, [0, 3], "deleteMany with two failing conditions");
      expect(await read(kv, ns, ["a", "b", "c"], now), "a failing deleteMany must delete nothing (not even its unconditional deletes)").toEqual([entry(1, 1), entry(2, 2), entry(1, 1)]);
      const done = ok(await kv.deleteMany(ns, [{ key: "a", ifVersion: 1 }, { key: "b", ifVersion: 2 }], now), "conditions that hold");
      expect(done).toEqual([true, true]);
    },
  },
  {
    id: "list-byte-order",
    title: "list: keys in UTF-8 byte order (not UTF-16, locale or case-insensitive order)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const keys = ["b", "B", "a", "A", "_", "é", "e\u0301", "z", "\uFFFD", "😀", "\u00E9a", "ä", "Z", "10", "9", "a b", "a\u0001", "~", "ﬀ"];
      await write(kv, ns, keys.map((k) => put(k, 1)), now);
      const got = (await kv.list(ns, { prefix: "", limit: 100, withValues: false }, now)).map((i) => i.key);
      expect(got, "list must order keys by their UTF-8 bytes").toEqual(byteSorted(keys));
    },
  },
  {
    id: "list-after-exclusive",
    title: "list: `after` is exclusive, may name a key that does not exist, and past the last key gives []",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, ["a", "b", "c", "d"].map((k) => put(k, k)), now);
      const keys = async (after: string | undefined, limit = 10) =>
        (await kv.list(ns, { prefix: "", limit, withValues: false, ...(after === undefined ? {} : { after }) }, now)).map((i) => i.key);
      expect(await keys("b"), "after an existing key: strictly greater keys only").toEqual(["c", "d"]);
      expect(await keys("bb"), "after a key that does not exist").toEqual(["c", "d"]);
      expect(await keys("a", 1), "after with a limit").toEqual(["b"]);
      expect(await keys("d"), "after the last key").toEqual([]);
      expect(await keys("\u{10FFFF}"), "after every key").toEqual([]);
      expect(await keys(""), "after the empty string (every key is greater)").toEqual(["a", "b", "c", "d"]);
    },
  },
  {
    id: "list-limit",
    title: "list: at most `limit` keys, exactly `limit` when that many live keys follow",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, ["k1", "k2", "k3", "k4", "k5"].map((k) => put(k, k)), now);
      for (const [limit, want] of [
        [1, 1],
        [4, 4],
        [5, 5],
        [6, 5],
        [1000, 5],
      ] as const) {
        const got = await kv.list(ns, { prefix: "", limit, withValues: false }, now);
        expect(got.length, `list with limit ${limit} over 5 keys`).toBe(want);
      }
    },
  },
  {
    id: "list-prefix-after",
    title: "list: prefix and after together (after before, inside and past the prefix range)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, ["a", "p", "p/1", "p/2", "p/3", "p0", "q", "p/"].map((k) => put(k, k)), now);
      const keys = async (prefix: string, after?: string, limit = 10) =>
        (await kv.list(ns, { prefix, limit, withValues: false, ...(after === undefined ? {} : { after }) }, now)).map((i) => i.key);
      expect(await keys("p/"), "prefix only").toEqual(["p/", "p/1", "p/2", "p/3"]);
      expect(await keys("p/", "a"), "after a key before the prefix range: the whole range").toEqual(["p/", "p/1", "p/2", "p/3"]);
      expect(await keys("p/", "p/1"), "after a key inside the range").toEqual(["p/2", "p/3"]);
      expect(await keys("p/", "p/1", 1), "after inside the range with a limit").toEqual(["p/2"]);
      expect(await keys("p/", "p0"), "after a key past the range: nothing (keys after it outside the prefix never show)").toEqual([]);
      expect(await keys("p/", "p/3"), "after the last key of the range").toEqual([]);
      expect(await keys("zzz"), "a prefix nothing has").toEqual([]);
    },
  },
  {
    id: "list-prefix-literal",
    title: "list and count: the prefix is literal text (no LIKE, glob or regex meaning)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const keys = ["a%b", "a%", "axb", "a_b", "acb", "a*", "a.b", "a[b", "a\\b", "a\\", "a'b", "A%"];
      await write(kv, ns, keys.map((k) => put(k, 1)), now);
      for (const prefix of ["a%", "a_", "a*", "a.", "a[", "a\\", "a'", "%", "_"]) {
        const want = byteSorted(keys.filter((k) => k.startsWith(prefix)));
        const got = (await kv.list(ns, { prefix, limit: 100, withValues: false }, now)).map((i) => i.key);
        expect(got, `list with prefix ${JSON.stringify(prefix)}`).toEqual(want);
        expect(await kv.count(ns, prefix, now), `count with prefix ${JSON.stringify(prefix)}`).toBe(want.length);
      }
    },
  },
  {
    id: "list-with-values",
    title: "list: withValues gives each key's entry (value, version, expiresAt) exactly as getMany does",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const expiresAt = t.capabilities.ttl ? now + 50_000 : null;
      await write(kv, ns, [put("a", { x: 1 }), put("b", "two", { expiresAt }), put("c", [3])], now);
      await write(kv, ns, [put("a", { x: 2 })], now);
      const items = await kv.list(ns, { prefix: "", limit: 10, withValues: true }, now);
      expect(items, "list withValues").toEqual([
        { key: "a", entry: entry({ x: 2 }, 2) },
        { key: "b", entry: entry("two", 1, expiresAt) },
        { key: "c", entry: entry([3], 1) },
      ]);
      const page = await kv.list(ns, { prefix: "", limit: 1, after: "a", withValues: true }, now);
      expect(page, "a later page withValues").toEqual([{ key: "b", entry: entry("two", 1, expiresAt) }]);
    },
  },
  {
    id: "list-empty",
    title: "list and count of a namespace never written: [] and 0",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      expect(await kv.list(ns, { prefix: "", limit: 5, withValues: true }, now)).toEqual([]);
      expect(await kv.count(ns, "", now)).toBe(0);
    },
  },
  {
    id: "count-prefix",
    title: "count: the number of live keys with the prefix, after writes and deletes",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, ["u/1", "u/2", "u/3", "v/1", "u", "uu"].map((k) => put(k, 1)), now);
      expect(await kv.count(ns, "", now), "count of everything").toBe(6);
      expect(await kv.count(ns, "u/", now), "count with a prefix").toBe(3);
      expect(await kv.count(ns, "u", now), "count with a prefix that is also a key").toBe(5);
      expect(await kv.count(ns, "w", now), "count with a prefix nothing has").toBe(0);
      ok(await kv.deleteMany(ns, [{ key: "u/2" }, { key: "uu" }], now), "deleteMany");
      expect(await kv.count(ns, "u", now), "count after deletes").toBe(3);
      await write(kv, ns, [put("u/1", 2)], now);
      expect(await kv.count(ns, "u", now), "an overwrite does not count twice").toBe(3);
    },
  },
  {
    id: "clear-isolation",
    title: "clear: removes every entry of this namespace and none of another (longer names, a graph of the same name)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const longer = t.track("kv", `${ns}x`);
      const dotted = t.track("kv", `${ns}.a`);
      await write(kv, ns, [put("k", 1), put(`${ns}x`, 1)], now);
      await write(kv, longer, [put("k", 2)], now);
      await write(kv, dotted, [put("k", 3)], now);
      if (t.capabilities.graph) {
        t.track("graph", ns);
        await t.driver.graph?.upsertNodes(ns, [{ id: "k", props: "{}" }], "merge");
      }
      await kv.clear(ns);
      expect(await read(kv, ns, ["k", `${ns}x`], now), "clear removes this namespace's entries").toEqual([undefined, undefined]);
      expect(await kv.count(ns, "", now)).toBe(0);
      expect((await read(kv, longer, ["k"], now))[0], "clear(ns) must not touch a namespace whose name extends ns").toEqual(entry(2, 1));
      expect((await read(kv, dotted, ["k"], now))[0], "clear(ns) must not touch namespace ns.a").toEqual(entry(3, 1));
      if (t.capabilities.graph) {
        expect((await t.driver.graph?.getNodes(ns, ["k"]))?.[0]?.id, "kv.clear(ns) must not touch the graph of the same name").toBe("k");
      }
      await kv.clear(ns);
      expect(await write(kv, ns, [put("k", 4)], now), "after clear a key starts again at version 1").toEqual([1]);
    },
  },
  {
    id: "namespaces-order",
    title: "namespaces(): names in byte order ('-' < '.' < digits < upper case < '_' < lower case)",
    async run(t) {
      const { kv, ns: base, now } = spiKv(t);
      const names = ["a", "B", "_", "-", ".", "0", "Z", "b", "A"].map((s) => t.track("kv", `${base}${s}`));
      for (const name of names) await write(kv, name, [put("k", 1)], now);
      const listed = await kv.namespaces(now);
      const mine = listed.filter((n) => names.includes(n));
      expect(mine, "namespaces() must list every namespace holding a live entry, in byte order").toEqual(byteSorted(names));
      expect(listed, "namespaces() as a whole must be in byte order").toEqual(byteSorted(listed));
      expect(new Set(listed).size, "namespaces() lists each name once").toBe(listed.length);
    },
  },
  {
    id: "namespaces-liveness",
    title: "namespaces(): only namespaces holding a live entry (not deleted, cleared or expired-only ones)",
    async run(t) {
      const { kv, ns: base, now } = spiKv(t);
      const [live, deleted, cleared, expired, mixed] = ["live", "deleted", "cleared", "expired", "mixed"].map((s) => t.track("kv", `${base}${s}`)) as string[];
      await write(kv, live as string, [put("k", 1)], now);
      await write(kv, deleted as string, [put("k", 1)], now);
      ok(await kv.deleteMany(deleted as string, [{ key: "k" }], now), "deleteMany");
      await write(kv, cleared as string, [put("k", 1)], now);
      await kv.clear(cleared as string);
      const ttl = t.capabilities.ttl;
      if (ttl) {
        await write(kv, expired as string, [put("k", 1, { expiresAt: now + 10 })], now);
        await write(kv, mixed as string, [put("k", 1, { expiresAt: now + 10 }), put("j", 1)], now);
      }
      const listed = await kv.namespaces(now + 10);
      expect(listed, "a namespace with a live entry is listed").toContain(live);
      expect(listed, "a namespace whose only entry was deleted is not listed").not.toContain(deleted);
      expect(listed, "a cleared namespace is not listed").not.toContain(cleared);
      if (ttl) {
        expect(listed, "a namespace whose entries all expired (expiresAt <= now) is not listed").not.toContain(expired);
        expect(listed, "a namespace with one live entry among expired ones is listed").toContain(mixed);
      }
    },
  },
];
