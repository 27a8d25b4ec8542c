// kv/ttl: expiry follows the clock core passes (the kit clock runs ahead of real time when a case
// advances it), so no case sleeps through a TTL except the two real-time ones, which use short
// TTLs and generous margins.

import { expect } from "vitest";
import { collect, eventually, expectError, listAll, pad, range, sleep } from "../assert.ts";
import type { CaseDef } from "../types.ts";

const MINUTE = 60_000;

export const kvTtl: CaseDef[] = [
  {
    id: "expires-at",
    title: "ttlMs sets expiresAt to now + ttl; expiresAt (number or Date) is kept to the millisecond",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      const before = t.clock.now();
      await kv.set("ttl", 1, { ttlMs: MINUTE });
      const after = t.clock.now();
      const entry = await kv.getEntry("ttl");
      expect(entry?.expiresAt).toBeGreaterThanOrEqual(before + MINUTE);
      expect(entry?.expiresAt).toBeLessThanOrEqual(after + MINUTE);
      const exact = t.clock.now() + 123_457;
      await kv.set("at", 2, { expiresAt: exact });
      expect((await kv.getEntry("at"))?.expiresAt).toBe(exact);
      const date = t.clock.now() + 98_761;
      await kv.set("date", 3, { expiresAt: new Date(date) });
      expect((await kv.getEntry("date"))?.expiresAt).toBe(date);
      expect((await kv.getEntries(["ttl", "at"])).map((e) => e?.expiresAt)).toEqual([entry?.expiresAt, exact]);
    },
  },
  {
    id: "hidden-after-expiry",
    title: "an entry is readable before its expiry and absent for get/getEntry/has/getMany/missing after it",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      await kv.set("short", "s", { ttlMs: MINUTE });
      await kv.set("plain", "p");
      t.clock.advance(30_000);
      expect(await kv.get("short")).toBe("s");
      expect(await kv.has("short")).toBe(true);
      t.clock.advance(31_000);
      expect(await kv.get("short")).toBeUndefined();
      expect(await kv.getEntry("short")).toBeUndefined();
      expect(await kv.has("short")).toBe(false);
      expect(await kv.getMany(["plain", "short"])).toEqual(["p", undefined]);
      expect(await kv.missing(["short", "plain"])).toEqual(["short"]);
      expect(await kv.get("plain")).toBe("p");
    },
  },
  {
    id: "boundary",
    title: "an entry is live at expiresAt - 1 ms and expired at exactly expiresAt",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      const now = t.clock.freeze();
      await kv.set("k", 1, { ttlMs: 1000 });
      expect((await kv.getEntry("k"))?.expiresAt).toBe(now + 1000);
      t.clock.freeze(now + 999);
      expect(await kv.get("k")).toBe(1);
      expect(await kv.count()).toBe(1);
      t.clock.freeze(now + 1000);
      expect(await kv.get("k")).toBeUndefined();
      expect(await kv.count()).toBe(0);
      expect((await kv.list()).items).toEqual([]);
    },
  },
  {
    id: "not-listed",
    title: "expired entries are never listed by list, keys() or entries()",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(20).map((i) => ({ key: `k${pad(i, 2)}`, value: i, ...(i % 2 === 0 ? { ttlMs: MINUTE } : {}) })));
      const live = range(20).filter((i) => i % 2 === 1).map((i) => `k${pad(i, 2)}`);
      expect((await listAll(kv, { limit: 3 })).keys.length).toBe(20);
      t.clock.advance(MINUTE + 1000);
      expect((await listAll(kv, { limit: 3 })).keys).toEqual(live);
      expect((await kv.list({ prefix: "k0" })).items).toEqual(live.slice(0, 5));
      expect(await collect(kv.keys({ pageSize: 4 }))).toEqual(live);
      expect((await collect(kv.entries({ pageSize: 4 }))).map(([k]) => k)).toEqual(live);
    },
  },
  {
    id: "not-counted",
    title: "expired entries are never counted, with or without a prefix",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(12).map((i) => ({ key: `${i < 6 ? "a" : "b"}${i}`, value: i, ...(i % 3 === 0 ? { ttlMs: MINUTE } : {}) })));
      expect(await kv.count()).toBe(12);
      t.clock.advance(MINUTE + 1000);
      expect(await kv.count()).toBe(8);
      expect(await kv.count({ prefix: "a" })).toBe(4);
      expect(await kv.count({ prefix: "b" })).toBe(4);
      expect(await kv.count({ prefix: "a0" })).toBe(0);
    },
  },
  {
    id: "full-pages",
    title: "expired entries do not cut pages short (a page before the end is always full)",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(60).map((i) => ({ key: `a${pad(i, 2)}`, value: i, ttlMs: MINUTE })));
      await kv.setMany(range(12).map((i) => ({ key: `b${pad(i, 2)}`, value: i })));
      await kv.setMany(range(30).map((i) => ({ key: `c${pad(i, 2)}`, value: i, ttlMs: MINUTE })));
      await kv.setMany(range(3).map((i) => ({ key: `d${i}`, value: i })));
      t.clock.advance(2 * MINUTE);
      const first = await kv.list({ limit: 5 });
      expect(first.items).toEqual(["b00", "b01", "b02", "b03", "b04"]);
      const { keys } = await listAll(kv, { limit: 5 });
      expect(keys).toEqual([...range(12).map((i) => `b${pad(i, 2)}`), "d0", "d1", "d2"]);
      expect(await collect(kv.keys({ pageSize: 4 }))).toEqual(keys);
    },
  },
  {
    id: "write-clears-expiry",
    title: "a write without ttl clears the expiry; a write with a new ttl replaces it",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      await kv.set("forever", 1, { ttlMs: MINUTE });
      await kv.set("forever", 2);
      expect((await kv.getEntry("forever"))?.expiresAt).toBeNull();
      await kv.set("longer", 1, { ttlMs: MINUTE });
      await kv.set("longer", 2, { ttlMs: 10 * MINUTE });
      await kv.set("shorter", 1, { ttlMs: 10 * MINUTE });
      await kv.setMany([{ key: "shorter", value: 2, ttlMs: MINUTE }]);
      t.clock.advance(2 * MINUTE);
      expect(await kv.getEntry("forever")).toMatchObject({ value: 2, version: 2, expiresAt: null });
      expect(await kv.getEntry("longer")).toMatchObject({ value: 2, version: 2 });
      expect(await kv.get("shorter")).toBeUndefined();
      t.clock.advance(10 * MINUTE);
      expect(await kv.get("forever")).toBe(2);
      expect(await kv.get("longer")).toBeUndefined();
    },
  },
  {
    id: "version-restart",
    title: "a key written again after it expired starts again at version 1 with the new value",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      await kv.set("k", "old", { ttlMs: MINUTE });
      await kv.set("k", "old2", { ttlMs: MINUTE });
      await kv.setMany([{ key: "m", value: "old", ttlMs: MINUTE }]);
      t.clock.advance(MINUTE);
      expect(await kv.set("k", "new")).toBe(1);
      expect(await kv.setMany([{ key: "m", value: "new" }])).toEqual([1]);
      expect(await kv.getEntry("k")).toMatchObject({ value: "new", version: 1, expiresAt: null });
      expect(await kv.get("m")).toBe("new");
    },
  },
  {
    id: "delete-expired",
    title: "deleting an expired entry reports nothing removed",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      await kv.setMany([
        { key: "a", value: 1, ttlMs: MINUTE },
        { key: "b", value: 2, ttlMs: MINUTE },
        { key: "c", value: 3 },
      ]);
      t.clock.advance(MINUTE + 1);
      expect(await kv.delete("a")).toBe(false);
      expect(await kv.deleteMany(["b", "c"])).toBe(1);
      expect(await kv.count()).toBe(0);
    },
  },
  {
    id: "ifabsent-expired",
    title: "ifAbsent succeeds on an expired key and the version restarts at 1",
    needs: ["ttl", "cas"],
    async run(t) {
      const kv = t.kv();
      await kv.set("k", "old", { ttlMs: MINUTE });
      await kv.set("k", "old", { ttlMs: MINUTE });
      await expectError(() => kv.set("k", "no", { ifAbsent: true }), "CONFLICT");
      t.clock.advance(MINUTE + 1);
      expect(await kv.set("k", "new", { ifAbsent: true })).toBe(1);
      expect(await kv.getEntry("k")).toMatchObject({ value: "new", version: 1, expiresAt: null });
    },
  },
  {
    id: "ifversion-expired",
    title: "ifVersion against an expired entry conflicts (it is absent), for set and delete",
    needs: ["ttl", "cas"],
    async run(t) {
      const kv = t.kv();
      const v = await kv.set("k", "old", { ttlMs: MINUTE });
      t.clock.advance(MINUTE + 1);
      await expectError(() => kv.set("k", "new", { ifVersion: v }), "CONFLICT");
      await expectError(() => kv.delete("k", { ifVersion: v }), "CONFLICT");
      expect(await kv.get("k")).toBeUndefined();
      expect(await kv.count()).toBe(0);
    },
  },
  {
    id: "update-expiry",
    title: "update keeps the entry's expiry by default, sets a new one with ttlMs, and sees an expired entry as absent",
    needs: ["ttl", "cas"],
    async run(t) {
      const kv = t.kv<number>();
      await kv.set("k", 1, { ttlMs: MINUTE });
      const expiresAt = (await kv.getEntry("k"))?.expiresAt;
      const updated = await kv.update("k", (n) => (n ?? 0) + 1);
      expect(updated).toMatchObject({ value: 2, version: 2, expiresAt });
      expect((await kv.getEntry("k"))?.expiresAt).toBe(expiresAt);
      const before = t.clock.now();
      const renewed = await kv.update("k", (n) => (n ?? 0) + 1, { ttlMs: 10 * MINUTE });
      expect(renewed.expiresAt).toBeGreaterThanOrEqual(before + 10 * MINUTE);
      expect((await kv.getEntry("k"))?.expiresAt).toBe(renewed.expiresAt);
      t.clock.advance(11 * MINUTE);
      let seen: unknown = "not called";
      const fresh = await kv.update("k", (n) => {
        seen = n;
        return 100;
      });
      expect(seen).toBeUndefined();
      expect(fresh).toMatchObject({ value: 100, version: 1, expiresAt: null });
    },
  },
  {
    id: "namespaces",
    title: "store.namespaces() leaves out a namespace whose entries all expired",
    needs: ["ttl"],
    async run(t) {
      const expiring = t.kv();
      const lasting = t.kv();
      await expiring.set("k", 1, { ttlMs: MINUTE });
      await lasting.set("k", 1, { ttlMs: 100 * MINUTE });
      expect(await t.store.namespaces()).toEqual(expect.arrayContaining([expiring.namespace, lasting.namespace]));
      t.clock.advance(2 * MINUTE);
      const names = await t.store.namespaces();
      expect(names).not.toContain(expiring.namespace);
      expect(names).toContain(lasting.namespace);
    },
  },
  {
    id: "setmany-mixed",
    title: "setMany with a different expiry per item expires each on its own",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      const base = t.clock.now();
      await kv.setMany([
        { key: "ten", value: 10, ttlMs: 10_000 },
        { key: "none", value: 0 },
        { key: "thirty", value: 30, expiresAt: base + 30_000 },
        { key: "twenty", value: 20, ttlMs: 20_000 },
      ]);
      t.clock.advance(15_000);
      expect(await kv.getMany(["ten", "none", "thirty", "twenty"])).toEqual([undefined, 0, 30, 20]);
      t.clock.advance(10_000);
      expect(await kv.getMany(["ten", "none", "thirty", "twenty"])).toEqual([undefined, 0, 30, undefined]);
      t.clock.advance(10_000);
      expect((await kv.list()).items).toEqual(["none"]);
    },
  },
  {
    id: "invalid-expiry",
    title: "ttlMs that is not a positive number, an expiresAt in the past, or both options throw ValidationError",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      for (const ttlMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, "10" as unknown as number]) {
        await expectError(() => kv.set("k", 1, { ttlMs }), "VALIDATION", "INVALID_OPTION");
      }
      await expectError(() => kv.set("k", 1, { expiresAt: t.clock.now() - 1 }), "VALIDATION", "INVALID_OPTION");
      await expectError(() => kv.set("k", 1, { expiresAt: new Date(Number.NaN) }), "VALIDATION", "INVALID_OPTION");
      await expectError(() => kv.set("k", 1, { ttlMs: 10, expiresAt: t.clock.now() + 10_000 }), "VALIDATION", "INVALID_OPTION");
      expect(await kv.count()).toBe(0);
    },
  },
  {
    id: "long-ttl",
    title: "a ten-year TTL and the largest expiry keep their exact expiresAt and outlive a one-year jump",
    needs: ["ttl"],
    async run(t) {
      const kv = t.kv();
      const year = 365 * 24 * 3600 * 1000;
      const at = t.clock.now() + 10 * year + 1;
      await kv.set("k", "v", { expiresAt: at });
      expect((await kv.getEntry("k"))?.expiresAt).toBe(at);
      const farthest = 2 ** 47; // the largest expiry core accepts (year 6429)
      await kv.set("far", "f", { expiresAt: farthest });
      t.clock.advance(year);
      expect(await kv.getEntry("k")).toMatchObject({ value: "v", expiresAt: at });
      expect(await kv.getEntry("far")).toMatchObject({ value: "f", expiresAt: farthest });
      expect(await kv.count()).toBe(2);
    },
  },
  {
    id: "real-time-expiry",
    title: "real time: a 200 ms TTL entry goes away (within 5 s) without taking its neighbours or coming back",
    needs: ["ttl"],
    timeoutMs: 20_000,
    async run(t) {
      const kv = t.kv();
      await kv.setMany([
        { key: "short", value: "s", ttlMs: 200 },
        { key: "long", value: "l", ttlMs: 60 * MINUTE },
        { key: "none", value: "n" },
      ]);
      const gone = await eventually(async () => (await kv.get("short")) === undefined, 5000);
      expect(gone, "the 200 ms entry was still readable after 5 s").toBe(true);
      for (let round = 0; round < 3; round++) {
        expect(await kv.getMany(["short", "long", "none"])).toEqual([undefined, "l", "n"]);
        expect((await kv.list()).items).toEqual(["long", "none"]);
        expect(await kv.count()).toBe(2);
        await sleep(250);
      }
      expect(await kv.set("short", "again")).toBe(1);
      await sleep(300);
      expect(await kv.getEntry("short")).toMatchObject({ value: "again", version: 1, expiresAt: null });
    },
  },
  {
    id: "real-time-rewrite",
    title: "real time: rewriting an entry before its short TTL (without ttl, or with a long one) keeps it alive",
    needs: ["ttl"],
    timeoutMs: 20_000,
    async run(t) {
      const kv = t.kv();
      await kv.setMany([
        { key: "persist", value: 1, ttlMs: 300 },
        { key: "extend", value: 1, ttlMs: 300 },
        { key: "batch", value: 1, ttlMs: 300 },
      ]);
      await kv.set("persist", 2);
      await kv.set("extend", 2, { ttlMs: 60 * MINUTE });
      await kv.setMany([{ key: "batch", value: 2 }]);
      await sleep(1000);
      expect(await kv.getEntry("persist")).toMatchObject({ value: 2, version: 2, expiresAt: null });
      expect(await kv.getEntry("extend")).toMatchObject({ value: 2, version: 2 });
      expect(await kv.getEntry("batch")).toMatchObject({ value: 2, version: 2, expiresAt: null });
      expect(await kv.count()).toBe(3);
    },
  },
];

kvTtl.push({
  id: "unsupported-without-ttl",
  title: "a driver without ttl throws UnsupportedError for ttlMs and expiresAt, writing nothing",
  without: "ttl",
  async run(t) {
    const kv = t.kv();
    await expectError(() => kv.set("k", 1, { ttlMs: 1000 }), "UNSUPPORTED");
    await expectError(() => kv.setMany([{ key: "k", value: 1, expiresAt: t.clock.now() + 1000 }]), "UNSUPPORTED");
    expect(await kv.count()).toBe(0);
  },
});
