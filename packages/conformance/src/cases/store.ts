// store: namespaces(), graphs(), clear() isolation, ping and the declared capabilities.

import { expect } from "vitest";
import { byteSorted, pad, range } from "../assert.ts";
import type { CaseDef } from "../types.ts";

export const storeCases: CaseDef[] = [
  {
    id: "capabilities",
    title: "capabilities are well formed and match what the driver provides",
    async run(t) {
      const caps = t.driver.capabilities;
      expect(caps.kv).toBe(true);
      for (const flag of ["graph", "ttl", "cas", "atomicBatches", "nativeTraversal", "persistent", "shared"] as const) {
        expect(typeof caps[flag], `capabilities.${flag}`).toBe("boolean");
      }
      expect(Number.isSafeInteger(caps.maxValueBytes) && caps.maxValueBytes >= 65_536, "maxValueBytes is an integer of at least 64 KiB").toBe(true);
      expect(t.store.capabilities).toEqual(caps);
      expect(typeof t.driver.name === "string" && t.driver.name.length > 0).toBe(true);
      expect(t.store.driverName).toBe(t.driver.name);
      if (caps.graph) expect(t.driver.graph, "graph: true needs driver.graph").toBeDefined();
      if (caps.nativeTraversal) {
        expect(caps.graph, "nativeTraversal needs graph").toBe(true);
        expect(typeof t.driver.graph?.traverse, "nativeTraversal: true needs graph.traverse").toBe("function");
      }
      for (const method of ["getMany", "setMany", "deleteMany", "list", "count", "clear", "namespaces"] as const) {
        expect(typeof t.driver.kv[method], `kv.${method}`).toBe("function");
      }
    },
  },
  {
    id: "ping",
    title: "ping resolves with a latency",
    async run(t) {
      const { latencyMs } = await t.store.ping();
      expect(typeof latencyMs).toBe("number");
      expect(latencyMs).toBeGreaterThanOrEqual(0);
    },
  },
  {
    id: "namespaces",
    title: "namespaces() lists namespaces holding entries, in byte order, and drops emptied or cleared ones",
    async run(t) {
      const a = t.kv();
      const b = t.kv();
      const emptied = t.kv();
      const cleared = t.kv();
      const never = t.kv();
      await a.set("k", 1);
      await b.setMany([{ key: "x", value: 1 }, { key: "y", value: 2 }]);
      await emptied.set("k", 1);
      await emptied.delete("k");
      await cleared.set("k", 1);
      await cleared.clear();
      await never.get("k");
      const names = await t.store.namespaces();
      expect(names).toEqual(expect.arrayContaining([a.namespace, b.namespace]));
      for (const gone of [emptied.namespace, cleared.namespace, never.namespace]) expect(names).not.toContain(gone);
      expect(names).toEqual(byteSorted(names));
      expect(new Set(names).size).toBe(names.length);
    },
  },
  {
    id: "namespaces-many",
    title: "namespaces() lists 25 fresh namespaces, each once",
    async run(t) {
      const views = range(25).map(() => t.kv());
      await Promise.all(views.map((kv, i) => kv.setMany(range(i + 1).map((j) => ({ key: `k${j}`, value: j })))));
      const names = await t.store.namespaces();
      for (const kv of views) expect(names.filter((n) => n === kv.namespace).length, kv.namespace).toBe(1);
    },
  },
  {
    id: "clear-isolation",
    title: "kv.clear() empties this namespace only: siblings, other namespaces and a graph of the same name survive",
    async run(t) {
      const base = t.freshName("kv");
      const kv = t.store.kv(base);
      const siblings = ["1", ".x", "_x", "-x"].map((s) => t.store.kv(t.track("kv", `${base}${s}`)));
      const other = t.kv();
      for (const x of [kv, ...siblings, other]) await x.setMany([{ key: "a", value: x.namespace }, { key: "b", value: 2 }]);
      if (t.capabilities.graph) await t.store.graph(t.track("graph", base)).upsertNode({ id: "a" });
      await kv.clear();
      expect(await kv.count()).toBe(0);
      expect(await kv.get("a")).toBeUndefined();
      for (const x of [...siblings, other]) {
        expect(await x.count(), x.namespace).toBe(2);
        expect(await x.get("a")).toBe(x.namespace);
      }
      if (t.capabilities.graph) expect(await t.store.graph(base).getNode("a")).toBeDefined();
      expect(await t.store.namespaces()).toEqual(expect.arrayContaining([other.namespace, ...siblings.map((s) => s.namespace)]));
    },
  },
  {
    id: "clear-restart",
    title: "after clear() of 3000 keys nothing is listed and rewritten keys start again at version 1",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(3000).map((i) => ({ key: pad(i), value: i })));
      await kv.set(pad(0), "again");
      await kv.clear();
      expect(await kv.count()).toBe(0);
      expect((await kv.list()).items).toEqual([]);
      expect(await kv.get(pad(1))).toBeUndefined();
      expect(await kv.set(pad(0), "fresh")).toBe(1);
      expect(await kv.count()).toBe(1);
      await kv.clear();
      await kv.clear();
      expect(await kv.count()).toBe(0);
    },
  },
  {
    id: "kv-graph-separate",
    title: "a namespace and a graph with the same name are independent",
    needs: ["graph"],
    async run(t) {
      const name = t.freshName("kv");
      t.track("graph", name);
      const kv = t.store.kv(name);
      const g = t.store.graph(name);
      await kv.set("a", 1);
      await g.upsertNode({ id: "a" });
      await g.clear();
      expect(await kv.get("a")).toBe(1);
      await g.upsertNode({ id: "a" });
      await kv.clear();
      expect(await g.getNode("a")).toBeDefined();
      await kv.set("a", 1);
      const graphOnly = t.graph();
      await graphOnly.upsertNode({ id: "a" });
      expect(await t.store.namespaces()).not.toContain(graphOnly.name);
      const kvOnly = t.kv();
      await kvOnly.set("a", 1);
      expect(await t.store.graphs()).not.toContain(kvOnly.namespace);
    },
  },
];
