// graph/list: listNodes / listEdges pagination and type filters, the iterators, stats, clear and
// graphs().

import { expect } from "vitest";
import type { Graph } from "@stowage/core";
import { byteSorted, collect, edgeCompare, expectError, pad, range, shuffled } from "../assert.ts";
import type { CaseDef } from "../types.ts";

async function allNodePages(g: Graph, limit: number, type?: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await g.listNodes({ limit, ...(type ? { type } : {}), ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    if (page.items.length < limit) expect(page.cursor).toBeUndefined();
    ids.push(...page.items.map((n) => n.id));
    cursor = page.cursor;
    if (++pages > 10_000) throw new Error("listNodes never ends");
  } while (cursor);
  return { ids, pages };
}

async function allEdgePages(g: Graph, limit: number, type?: string): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await g.listEdges({ limit, ...(type ? { type } : {}), ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    if (page.items.length < limit) expect(page.cursor).toBeUndefined();
    keys.push(...page.items.map((e) => `${e.from}|${e.type}|${e.to}`));
    cursor = page.cursor;
    if (++pages > 10_000) throw new Error("listEdges never ends");
  } while (cursor);
  return { keys, pages };
}

export const graphList: CaseDef[] = [
  {
    id: "nodes-pages",
    title: "listNodes pages through 250 nodes in id byte order with no duplicates or gaps",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const ids = [...range(245).map((i) => `node${pad(i)}`), "😀", "\uFFFD", "Z", "é", "node"];
      await g.upsertNodes(shuffled(ids).map((id) => ({ id, props: { id } })));
      const { ids: listed, pages } = await allNodePages(g, 20);
      expect(listed).toEqual(byteSorted(ids));
      expect(pages).toBe(13);
      const first = await g.listNodes({ limit: 2 });
      expect(first.items).toEqual([
        { id: "Z", type: null, props: { id: "Z" } },
        { id: "node", type: null, props: { id: "node" } },
      ]);
      expect((await g.listNodes()).items.length).toBe(100);
    },
  },
  {
    id: "nodes-type",
    title: "listNodes with a type pages through only that type",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNodes(range(90).map((i) => ({ id: `n${pad(i, 2)}`, type: ["Person", "Place", "person"][i % 3] as string })));
      await g.upsertEdge({ from: "n00", type: "Person", to: "bare" });
      const { ids } = await allNodePages(g, 7, "Person");
      expect(ids).toEqual(range(90).filter((i) => i % 3 === 0).map((i) => `n${pad(i, 2)}`));
      expect((await allNodePages(g, 100, "Nobody")).ids).toEqual([]);
      expect(await collect(g.nodes({ type: "person", pageSize: 4 }))).toHaveLength(30);
    },
  },
  {
    id: "sparse-type",
    title: "a rare node or edge type spread thinly over many items still fills every page",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNodes(range(300).map((i) => ({ id: `n${pad(i)}`, type: i % 50 === 7 ? "rare" : "common" })));
      await g.upsertEdges(range(300).map((i) => ({ from: `n${pad(i)}`, type: i % 60 === 11 ? "rare" : "common", to: `n${pad((i + 1) % 300)}` })));
      const nodes = await allNodePages(g, 2, "rare");
      expect(nodes.ids).toEqual(range(300).filter((i) => i % 50 === 7).map((i) => `n${pad(i)}`));
      expect((await g.listNodes({ type: "rare", limit: 2 })).items.length).toBe(2);
      const edges = await allEdgePages(g, 2, "rare");
      expect(edges.keys).toEqual(range(300).filter((i) => i % 60 === 11).map((i) => `n${pad(i)}|rare|n${pad(i + 1)}`));
      expect((await g.listEdges({ type: "rare", limit: 2 })).items.length).toBe(2);
    },
  },
  {
    id: "edges-pages",
    title: "listEdges pages through edges ordered by (from, type, to) with no duplicates or gaps",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const edges = range(120).map((i) => ({ from: `f${i % 7}`, type: `t${i % 3}`, to: `x${pad(i, 3)}` }));
      await g.upsertEdges(shuffled(edges));
      const { keys } = await allEdgePages(g, 11);
      expect(keys).toEqual([...edges].sort(edgeCompare).map((e) => `${e.from}|${e.type}|${e.to}`));
      expect(new Set(keys).size).toBe(120);
    },
  },
  {
    id: "edges-tuple-order",
    title: "edges sort as (from, type, to) tuples, not as joined strings",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const edges = [
        { from: "a", type: "zz", to: "b" },
        { from: "a!", type: "a", to: "a" },
        { from: "a", type: "z", to: "zz" },
        { from: "a", type: "z!", to: "a" },
        { from: "ab", type: "a", to: "a" },
        { from: "a", type: "b", to: "a:b" },
        { from: "a", type: "b:a", to: "b" },
        { from: "😀", type: "a", to: "a" },
        { from: "\uFFFD", type: "a", to: "a" },
      ];
      await g.upsertEdges(edges);
      const expected = [...edges].sort(edgeCompare).map((e) => `${e.from}|${e.type}|${e.to}`);
      expect(expected.slice(0, 2)).toEqual(["a|b|a:b", "a|b:a|b"]);
      expect((await allEdgePages(g, 2)).keys).toEqual(expected);
      expect((await collect(g.edges({ pageSize: 3 }))).map((e) => `${e.from}|${e.type}|${e.to}`)).toEqual(expected);
    },
  },
  {
    id: "edges-type",
    title: "listEdges with a type pages through only that type",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdges(range(60).map((i) => ({ from: `n${pad(i % 10, 2)}`, type: i % 4 === 0 ? "keep" : "other", to: `m${pad(i, 2)}` })));
      const { keys } = await allEdgePages(g, 4, "keep");
      expect(keys.length).toBe(15);
      expect(keys.every((k) => k.split("|")[1] === "keep")).toBe(true);
      expect(keys).toEqual(byteSorted(keys));
      expect((await g.listEdges({ type: "none" })).items).toEqual([]);
    },
  },
  {
    id: "iterators",
    title: "nodes() and edges() iterate every item across pages",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdges(range(40).map((i) => ({ from: `a${pad(i, 2)}`, type: "r", to: `b${pad(i, 2)}` })));
      const nodes = await collect(g.nodes({ pageSize: 6 }));
      expect(nodes.map((n) => n.id)).toEqual([...range(40).map((i) => `a${pad(i, 2)}`), ...range(40).map((i) => `b${pad(i, 2)}`)]);
      const edges = await collect(g.edges({ pageSize: 6 }));
      expect(edges.length).toBe(40);
      expect(edges[0]).toEqual({ from: "a00", type: "r", to: "b00", props: {} });
    },
  },
  {
    id: "cursor-stability",
    title: "node pages stay stable when nodes behind the cursor are added and nodes ahead are deleted",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNodes(range(30).map((i) => ({ id: pad(i * 10, 3) })));
      const first = await g.listNodes({ limit: 10 });
      await g.upsertNode({ id: pad(5, 3) });
      await g.deleteNodes([pad(150, 3), pad(200, 3)]);
      await g.upsertNode({ id: pad(155, 3) });
      const rest: string[] = [];
      let cursor = first.cursor;
      while (cursor) {
        const page = await g.listNodes({ limit: 10, cursor });
        rest.push(...page.items.map((n) => n.id));
        cursor = page.cursor;
      }
      const all = [...first.items.map((n) => n.id), ...rest];
      expect(new Set(all).size).toBe(all.length);
      expect(all).not.toContain(pad(5, 3));
      expect(all).toContain(pad(155, 3));
      expect(all.length).toBe(30 - 2 + 1);
    },
  },
  {
    id: "invalid-cursor",
    title: "a cursor from another listing throws ValidationError INVALID_CURSOR",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdges(range(3).map((i) => ({ from: `a${i}`, type: "r", to: `b${i}` })));
      const kvCursor = Buffer.from('["kv","a"]').toString("base64url");
      await expectError(() => g.listNodes({ cursor: kvCursor }), "VALIDATION", "INVALID_CURSOR");
      await expectError(() => g.listEdges({ cursor: "nonsense!" }), "VALIDATION", "INVALID_CURSOR");
      const nodeCursor = (await g.listNodes({ limit: 1 })).cursor as string;
      await expectError(() => g.listEdges({ cursor: nodeCursor }), "VALIDATION", "INVALID_CURSOR");
    },
  },
  {
    id: "stats",
    title: "stats counts nodes and edges through upserts, deletes and cascades",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      expect(await g.stats()).toEqual({ nodes: 0, edges: 0 });
      await g.upsertEdges([{ from: "a", type: "r", to: "b" }, { from: "b", type: "r", to: "c" }, { from: "c", type: "r", to: "c" }]);
      await g.upsertEdge({ from: "a", type: "r", to: "b", props: { again: true } });
      await g.upsertNode({ id: "d" });
      expect(await g.stats()).toEqual({ nodes: 4, edges: 3 });
      await g.deleteNode("c");
      expect(await g.stats()).toEqual({ nodes: 3, edges: 1 });
      await g.deleteEdge("a", "r", "b");
      expect(await g.stats()).toEqual({ nodes: 3, edges: 0 });
    },
  },
  {
    id: "clear",
    title: "graph clear empties this graph only; the same ids in another graph survive",
    needs: ["graph"],
    async run(t) {
      const base = t.freshName("graph");
      const g = t.store.graph(base);
      const siblings = ["1", ".x", "_x", "-x"].map((s) => t.store.graph(t.track("graph", `${base}${s}`)));
      const other = t.graph();
      for (const x of [g, other, ...siblings]) await x.upsertEdges([{ from: "a", type: "r", to: "b" }, { from: "b", type: "r", to: "a" }]);
      await g.clear();
      expect(await g.stats()).toEqual({ nodes: 0, edges: 0 });
      expect(await g.getNode("a")).toBeUndefined();
      expect(await g.neighbors("b", { direction: "both" })).toEqual([]);
      for (const x of [other, ...siblings]) {
        expect(await x.stats(), x.name).toEqual({ nodes: 2, edges: 2 });
        expect((await x.neighbors("a")).map((n) => n.id)).toEqual(["b"]);
      }
      await g.upsertEdge({ from: "a", type: "r", to: "c" });
      expect(await g.stats()).toEqual({ nodes: 2, edges: 1 });
    },
  },
  {
    id: "graphs",
    title: "graphs() lists graphs holding nodes, in byte order, and drops cleared or emptied ones",
    needs: ["graph"],
    async run(t) {
      const a = t.graph();
      const b = t.graph();
      const empty = t.graph();
      await a.upsertNode({ id: "x" });
      await b.upsertEdge({ from: "x", type: "r", to: "y" });
      await empty.upsertNode({ id: "gone" });
      await empty.deleteNode("gone");
      let names = await t.store.graphs();
      expect(names).toEqual(expect.arrayContaining([a.name, b.name]));
      expect(names).not.toContain(empty.name);
      expect(names).toEqual(byteSorted(names));
      await b.clear();
      names = await t.store.graphs();
      expect(names).toContain(a.name);
      expect(names).not.toContain(b.name);
    },
  },
];
