// spi/kv, listings: list, count, clear and namespaces() of KvDriver, called on the driver itself
// with core's encoded values and an explicit `now`.

import { expect } from "vitest";
import { byteSorted } from "../../assert.ts";
import type { CaseDef } from "../../types.ts";
import { conflicts, enc, entry, ok, put, read, spiKv, write } from "./helpers.ts";

export const spiKvListCases: CaseDef[] = [
  {
    id: "delete-many-conflicts",
    title:
      "deleteMany: failing ifVersion conditions give every conflict position and delete nothing",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("a", 1), put("b", 1), put("c", 1)], now);
      await write(kv, ns, [put("b", 2)], now);
      const result = await kv.deleteMany(
        ns,
        [
          { key: "a", ifVersion: 2 },
          { key: "b", ifVersion: 2 },
          { key: "c" },
          { key: "missing", ifVersion: 1 },
        ],
        now,
      );
      conflicts(result, [0, 3], "deleteMany with two failing conditions");
      expect(
        await read(kv, ns, ["a", "b", "c"], now),
        "a failing deleteMany must delete nothing (not even its unconditional deletes)",
      ).toEqual([entry(1, 1), entry(2, 2), entry(1, 1)]);
      const done = ok(
        await kv.deleteMany(
          ns,
          [
            { key: "a", ifVersion: 1 },
            { key: "b", ifVersion: 2 },
          ],
          now,
        ),
        "conditions that hold",
      );
      expect(done).toEqual([true, true]);
    },
  },
  {
    id: "list-byte-order",
    title: "list: keys in UTF-8 byte order (not UTF-16, locale or case-insensitive order)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const keys = [
        "b",
        "B",
        "a",
        "A",
        "_",
        "é",
        "e\u0301",
        "z",
        "\uFFFD",
        "😀",
        "\u00E9a",
        "ä",
        "Z",
        "10",
        "9",
        "a b",
        "a\u0001",
        "~",
        "ﬀ",
      ];
      await write(
        kv,
        ns,
        keys.map((k) => put(k, 1)),
        now,
      );
      const got = (await kv.list(ns, { prefix: "", limit: 100, withValues: false }, now)).map(
        (i) => i.key,
      );
      expect(got, "list must order keys by their UTF-8 bytes").toEqual(byteSorted(keys));
    },
  },
  {
    id: "list-after-exclusive",
    title:
      "list: `after` is exclusive, may name a key that does not exist, and past the last key gives []",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(
        kv,
        ns,
        ["a", "b", "c", "d"].map((k) => put(k, k)),
        now,
      );
      const keys = async (after: string | undefined, limit = 10) =>
        (
          await kv.list(
            ns,
            { prefix: "", limit, withValues: false, ...(after === undefined ? {} : { after }) },
            now,
          )
        ).map((i) => i.key);
      expect(await keys("b"), "after an existing key: strictly greater keys only").toEqual([
        "c",
        "d",
      ]);
      expect(await keys("bb"), "after a key that does not exist").toEqual(["c", "d"]);
      expect(await keys("a", 1), "after with a limit").toEqual(["b"]);
      expect(await keys("d"), "after the last key").toEqual([]);
      expect(await keys("\u{10FFFF}"), "after every key").toEqual([]);
      expect(await keys(""), "after the empty string (every key is greater)").toEqual([
        "a",
        "b",
        "c",
        "d",
      ]);
    },
  },
  {
    id: "list-limit",
    title: "list: at most `limit` keys, exactly `limit` when that many live keys follow",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(
        kv,
        ns,
        ["k1", "k2", "k3", "k4", "k5"].map((k) => put(k, k)),
        now,
      );
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
      await write(
        kv,
        ns,
        ["a", "p", "p/1", "p/2", "p/3", "p0", "q", "p/"].map((k) => put(k, k)),
        now,
      );
      const keys = async (prefix: string, after?: string, limit = 10) =>
        (
          await kv.list(
            ns,
            { prefix, limit, withValues: false, ...(after === undefined ? {} : { after }) },
            now,
          )
        ).map((i) => i.key);
      expect(await keys("p/"), "prefix only").toEqual(["p/", "p/1", "p/2", "p/3"]);
      expect(await keys("p/", "a"), "after a key before the prefix range: the whole range").toEqual(
        ["p/", "p/1", "p/2", "p/3"],
      );
      expect(await keys("p/", "p/"), "after the key that equals the prefix").toEqual([
        "p/1",
        "p/2",
        "p/3",
      ]);
      expect(await keys("p/", "p/1"), "after a key inside the range").toEqual(["p/2", "p/3"]);
      expect(await keys("p/", "p/1", 1), "after inside the range with a limit").toEqual(["p/2"]);
      expect(
        await keys("p/", "p0"),
        "after a key past the range: nothing (keys after it outside the prefix never show)",
      ).toEqual([]);
      expect(await keys("p/", "p/3"), "after the last key of the range").toEqual([]);
      expect(await keys("zzz"), "a prefix nothing has").toEqual([]);
    },
  },
  {
    id: "list-prefix-literal",
    title: "list and count: the prefix is literal text (no LIKE, glob or regex meaning)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const keys = [
        "a%b",
        "a%",
        "axb",
        "a_b",
        "acb",
        "a*",
        "a.b",
        "a[b",
        "a\\b",
        "a\\",
        "a'b",
        "A%",
      ];
      await write(
        kv,
        ns,
        keys.map((k) => put(k, 1)),
        now,
      );
      for (const prefix of ["a%", "a_", "a*", "a.", "a[", "a\\", "a'", "%", "_"]) {
        const want = byteSorted(keys.filter((k) => k.startsWith(prefix)));
        const got = (await kv.list(ns, { prefix, limit: 100, withValues: false }, now)).map(
          (i) => i.key,
        );
        expect(got, `list with prefix ${JSON.stringify(prefix)}`).toEqual(want);
        expect(await kv.count(ns, prefix, now), `count with prefix ${JSON.stringify(prefix)}`).toBe(
          want.length,
        );
      }
    },
  },
  {
    id: "list-with-values",
    title:
      "list: withValues gives each key's entry (value, version, expiresAt) exactly as getMany does",
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
      expect(page, "a later page withValues").toEqual([
        { key: "b", entry: entry("two", 1, expiresAt) },
      ]);
      await write(kv, ns, [put("b", "three")], now);
      const again = await kv.list(ns, { prefix: "", limit: 2, after: "a", withValues: true }, now);
      expect(again, "after a write, list withValues shows the new entry (no stale copy)").toEqual([
        { key: "b", entry: entry("three", 2) },
        { key: "c", entry: entry([3], 1) },
      ]);
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
      await write(
        kv,
        ns,
        ["u/1", "u/2", "u/3", "v/1", "u", "uu"].map((k) => put(k, 1)),
        now,
      );
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
    id: "list-large-limit",
    title: "list: a limit of 1100 over 1200 keys returns 1100 (no hidden page-size cap)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const keys = Array.from({ length: 1200 }, (_, i) => `k${String(i).padStart(4, "0")}`);
      await write(
        kv,
        ns,
        keys.map((k) => put(k, 1)),
        now,
      );
      const page = await kv.list(ns, { prefix: "", limit: 1100, withValues: false }, now);
      expect(page.length, "list must return `limit` keys when that many follow").toBe(1100);
      expect(page[1099]?.key).toBe("k1099");
      expect(await kv.count(ns, "", now), "count over 1200 keys").toBe(1200);
    },
  },
  {
    id: "namespace-boundaries",
    title: 'namespace and key never run together: (N, "xk") and (Nx, "k") are different entries',
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const longer = t.track("kv", `${ns}x`);
      await write(kv, ns, [put("xk", "in N")], now);
      await write(kv, longer, [put("k", "in Nx")], now);
      const [a, b] = [
        (await read(kv, ns, ["xk", "k"], now)).map((e) => e?.value),
        (await read(kv, longer, ["k", "xk"], now)).map((e) => e?.value),
      ];
      expect(
        a,
        "namespace N sees only its own key (a layout joining namespace and key without a separator collides)",
      ).toEqual([enc("in N"), undefined]);
      expect(b, "namespace Nx sees only its own key").toEqual([enc("in Nx"), undefined]);
      expect(
        (await kv.list(ns, { prefix: "", limit: 10, withValues: false }, now)).map((i) => i.key),
        "list of N",
      ).toEqual(["xk"]);
      expect(await kv.count(longer, "", now), "count of Nx").toBe(1);
      ok(await kv.deleteMany(longer, [{ key: "k" }], now), "deleteMany");
      expect((await read(kv, ns, ["xk"], now))[0]?.value, "deleting (Nx, k) leaves (N, xk)").toBe(
        enc("in N"),
      );
    },
  },
  {
    id: "clear-isolation",
    title:
      "clear: removes every entry of this namespace and none of another (longer names, a graph of the same name)",
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
      expect(
        await read(kv, ns, ["k", `${ns}x`], now),
        "clear removes this namespace's entries",
      ).toEqual([undefined, undefined]);
      expect(await kv.count(ns, "", now)).toBe(0);
      expect(
        (await read(kv, longer, ["k"], now))[0],
        "clear(ns) must not touch a namespace whose name extends ns",
      ).toEqual(entry(2, 1));
      expect(
        (await read(kv, dotted, ["k"], now))[0],
        "clear(ns) must not touch namespace ns.a",
      ).toEqual(entry(3, 1));
      if (t.capabilities.graph) {
        expect(
          (await t.driver.graph?.getNodes(ns, ["k"]))?.[0]?.id,
          "kv.clear(ns) must not touch the graph of the same name",
        ).toBe("k");
      }
      await kv.clear(ns);
      expect(
        await write(kv, ns, [put("k", 4)], now),
        "after clear a key starts again at version 1",
      ).toEqual([1]);
    },
  },
  {
    id: "namespaces-order",
    title: "namespaces(): names in byte order ('-' < '.' < digits < upper case < '_' < lower case)",
    async run(t) {
      const { kv, ns: base, now } = spiKv(t);
      const names = ["a", "B", "_", "-", ".", "0", "Z", "b", "A"].map((s) =>
        t.track("kv", `${base}${s}`),
      );
      for (const name of names) await write(kv, name, [put("k", 1)], now);
      const listed = await kv.namespaces(now);
      const mine = listed.filter((n) => names.includes(n));
      expect(
        mine,
        "namespaces() must list every namespace holding a live entry, in byte order",
      ).toEqual(byteSorted(names));
      expect(listed, "namespaces() as a whole must be in byte order").toEqual(byteSorted(listed));
      expect(new Set(listed).size, "namespaces() lists each name once").toBe(listed.length);
    },
  },
  {
    id: "namespaces-liveness",
    title:
      "namespaces(): only namespaces holding a live entry (not deleted, cleared or expired-only ones)",
    async run(t) {
      const { kv, ns: base, now } = spiKv(t);
      const [live, deleted, cleared, expired, mixed] = [
        "live",
        "deleted",
        "cleared",
        "expired",
        "mixed",
      ].map((s) => t.track("kv", `${base}${s}`)) as string[];
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
      const graphOnly = t.track("kv", `${base}graph`);
      if (t.capabilities.graph) {
        t.track("graph", graphOnly);
        await t.driver.graph?.upsertNodes(graphOnly, [{ id: "n", props: "{}" }], "merge");
      }
      const listed = await kv.namespaces(now + 10);
      expect(listed, "a namespace with a live entry is listed").toContain(live);
      expect(listed, "a namespace whose only entry was deleted is not listed").not.toContain(
        deleted,
      );
      expect(listed, "a cleared namespace is not listed").not.toContain(cleared);
      expect(listed, "a graph of that name holding nodes is not a KV namespace").not.toContain(
        graphOnly,
      );
      if (ttl) {
        expect(
          listed,
          "a namespace whose entries all expired (expiresAt <= now) is not listed",
        ).not.toContain(expired);
        expect(listed, "a namespace with one live entry among expired ones is listed").toContain(
          mixed,
        );
      }
    },
  },
];
