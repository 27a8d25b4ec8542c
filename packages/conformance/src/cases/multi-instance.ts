// multi-instance: two or more driver instances over one backend (`shared`) see one dataset, and
// compare-and-set holds across them.

import { expect } from "vitest";
import { collect, expectError, range, sleep } from "../assert.ts";
import type { CaseDef } from "../types.ts";

export const multiInstance: CaseDef[] = [
  {
    id: "cross-read",
    title: "what one instance writes, another reads (get, getMany, list, count, entries)",
    needs: ["shared"],
    async run(t) {
      const other = await t.openStore();
      const ns = t.freshName("kv");
      await t.store.kv(ns).setMany(range(5).map((i) => ({ key: `k${i}`, value: { i, d: new Date(i) } })));
      const kv = other.kv(ns);
      expect(await kv.get("k3")).toEqual({ i: 3, d: new Date(3) });
      expect(await kv.getMany(["k0", "k9"])).toEqual([{ i: 0, d: new Date(0) }, undefined]);
      expect((await kv.list()).items).toEqual(range(5).map((i) => `k${i}`));
      expect(await kv.count()).toBe(5);
      await kv.set("from-other", 1);
      expect(await t.store.kv(ns).getEntry("from-other")).toMatchObject({ value: 1, version: 1 });
      expect((await collect(t.store.kv(ns).entries())).length).toBe(6);
    },
  },
  {
    id: "cross-delete-clear",
    title: "deletes and clear() through one instance are seen by another",
    needs: ["shared"],
    async run(t) {
      const other = await t.openStore();
      const ns = t.freshName("kv");
      await t.store.kv(ns).setMany(range(4).map((i) => ({ key: `k${i}`, value: i })));
      expect(await other.kv(ns).delete("k0")).toBe(true);
      expect(await t.store.kv(ns).has("k0")).toBe(false);
      expect(await t.store.kv(ns).delete("k0")).toBe(false);
      await other.kv(ns).clear();
      expect(await t.store.kv(ns).count()).toBe(0);
      expect(await t.store.namespaces()).not.toContain(ns);
    },
  },
  {
    id: "cross-versions",
    title: "versions continue across instances and ifVersion conflicts across them",
    needs: ["shared", "cas"],
    async run(t) {
      const other = await t.openStore();
      const ns = t.freshName("kv");
      const mine = t.store.kv(ns);
      const theirs = other.kv(ns);
      const v1 = await mine.set("k", "mine");
      expect(await theirs.set("k", "theirs", { ifVersion: v1 })).toBe(2);
      await expectError(() => mine.set("k", "stale", { ifVersion: v1 }), "CONFLICT");
      await expectError(() => mine.set("k", "taken", { ifAbsent: true }), "CONFLICT");
      expect(await mine.getEntry("k")).toMatchObject({ value: "theirs", version: 2 });
      await expectError(() => theirs.delete("k", { ifVersion: 1 }), "CONFLICT");
      expect(await mine.delete("k", { ifVersion: 2 })).toBe(true);
      expect(await theirs.has("k")).toBe(false);
    },
  },
  {
    id: "cross-update",
    title: "30 concurrent update() increments spread over three instances lose nothing",
    needs: ["shared", "cas"],
    timeoutMs: 60_000,
    async run(t) {
      const stores = [t.store, await t.openStore(), await t.openStore()];
      const ns = t.freshName("kv");
      await Promise.all(
        range(30).map((i) =>
          (stores[i % 3] as (typeof stores)[number]).kv<number>(ns).update("n", async (n) => {
            await sleep(Math.random() * 3);
            return (n ?? 0) + 1;
          }),
        ),
      );
      expect(await t.store.kv(ns).getEntry("n")).toMatchObject({ value: 30, version: 30 });
    },
  },
  {
    id: "cross-ifabsent",
    title: "ifAbsent races between two instances have exactly one winner",
    needs: ["shared", "cas"],
    async run(t) {
      const other = await t.openStore();
      const ns = t.freshName("kv");
      const results = await Promise.allSettled(range(10).map((i) => (i % 2 ? other : t.store).kv(ns).set("lock", i, { ifAbsent: true })));
      expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
    },
  },
  {
    id: "cross-batches",
    title: "concurrent setMany of the same keys from two instances never mix batches",
    needs: ["shared", "atomicBatches"],
    async run(t) {
      const other = await t.openStore();
      const ns = t.freshName("kv");
      const keys = range(6).map((i) => `k${i}`);
      await Promise.all(range(16).map((b) => (b % 2 ? other : t.store).kv(ns).setMany(keys.map((key) => ({ key, value: b })))));
      expect(new Set(await t.store.kv(ns).getMany(keys)).size).toBe(1);
    },
  },
  {
    id: "cross-ttl",
    title: "an expiry written by one instance is honoured by another",
    needs: ["shared", "ttl"],
    async run(t) {
      const other = await t.openStore();
      const ns = t.freshName("kv");
      await t.store.kv(ns).set("k", 1, { ttlMs: 60_000 });
      expect((await other.kv(ns).getEntry("k"))?.expiresAt).toBe((await t.store.kv(ns).getEntry("k"))?.expiresAt);
      t.clock.advance(61_000);
      expect(await other.kv(ns).get("k")).toBeUndefined();
      expect(await other.kv(ns).count()).toBe(0);
    },
  },
  {
    id: "concurrent-first-use",
    title: "three instances opened at once write a fresh namespace and graph at the same moment",
    needs: ["shared"],
    async run(t) {
      const stores = await Promise.all([t.openStore(), t.openStore(), t.openStore()]);
      const ns = t.freshName("kv");
      await Promise.all(stores.map((s, i) => s.kv(ns).setMany([{ key: `k${i}`, value: i }, { key: "shared", value: i }])));
      for (const s of stores) expect(await s.kv(ns).count()).toBe(4);
      expect((await t.store.kv(ns).getEntry("shared"))?.version).toBe(3);
      if (t.capabilities.graph) {
        const name = t.freshName("graph");
        await Promise.all(stores.map((s, i) => s.graph(name).upsertEdges([{ from: `a${i}`, type: "r", to: "hub" }])));
        for (const s of stores) expect(await s.graph(name).stats()).toEqual({ nodes: 4, edges: 3 });
      }
    },
  },
  {
    id: "cross-graph",
    title: "a graph written by one instance is read, walked and cascaded by another",
    needs: ["shared", "graph"],
    async run(t) {
      const other = await t.openStore();
      const name = t.freshName("graph");
      await t.store.graph(name).upsertEdges([{ from: "a", type: "r", to: "b" }, { from: "b", type: "r", to: "c" }]);
      const g = other.graph(name);
      expect((await g.traverse("a", { maxDepth: 5 })).nodes.map((n) => n.id)).toEqual(["a", "b", "c"]);
      await g.deleteNode("b");
      expect(await t.store.graph(name).stats()).toEqual({ nodes: 2, edges: 0 });
      expect(await t.store.graph(name).neighbors("a")).toEqual([]);
      expect(await other.graphs()).toContain(name);
    },
  },
];
