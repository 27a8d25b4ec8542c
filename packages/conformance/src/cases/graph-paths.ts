// graph/paths: findPaths (simple paths, shortest first, then by their edges' keys) and shortestPath.

import { expect } from "vitest";
import type { Graph, Path } from "@stowage/core";
import { edgeCompare, expectError, range } from "../assert.ts";
import type { CaseDef } from "../types.ts";

const show = (paths: Path[]) => paths.map((p) => p.nodes.join(">"));
const showEdges = (p: Path | undefined) => p?.edges.map((e) => `${e.from}-${e.type}->${e.to}`);

/**
 *   s -x-> t        s -r-> a -r-> t      s -r-> b -r-> t
 *   a -r-> b        t -r-> s (back edge) a -r-> a (self-loop)
 */
async function fixture(g: Graph): Promise<void> {
  await g.upsertEdges([
    { from: "s", type: "x", to: "t" },
    { from: "s", type: "r", to: "a" },
    { from: "s", type: "r", to: "b" },
    { from: "a", type: "r", to: "t" },
    { from: "b", type: "r", to: "t" },
    { from: "a", type: "r", to: "b" },
    { from: "t", type: "r", to: "s" },
    { from: "a", type: "r", to: "a" },
  ]);
}

export const graphPaths: CaseDef[] = [
  {
    id: "ordering",
    title: "findPaths returns simple paths shortest first, ties ordered by their edges' (from, type, to)",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      const paths = await g.findPaths("s", "t", { maxDepth: 3 });
      expect(show(paths)).toEqual(["s>t", "s>a>t", "s>b>t", "s>a>b>t"]);
      expect(showEdges(paths[1])).toEqual(["s-r->a", "a-r->t"]);
      expect(paths[0]?.edges[0]).toEqual({ from: "s", type: "x", to: "t", props: {} });
    },
  },
  {
    id: "bounds",
    title: "maxDepth bounds the path length and maxPaths the number of paths",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(show(await g.findPaths("s", "t", { maxDepth: 1 }))).toEqual(["s>t"]);
      expect(show(await g.findPaths("s", "t", { maxDepth: 2 }))).toEqual(["s>t", "s>a>t", "s>b>t"]);
      expect(show(await g.findPaths("s", "t", { maxDepth: 3, maxPaths: 2 }))).toEqual(["s>t", "s>a>t"]);
      expect(show(await g.findPaths("s", "t", { maxDepth: 0 }))).toEqual([]);
    },
  },
  {
    id: "types",
    title: "types restricts the edges a path may use",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(show(await g.findPaths("s", "t", { maxDepth: 3, types: ["r"] }))).toEqual(["s>a>t", "s>b>t", "s>a>b>t"]);
      expect(show(await g.findPaths("s", "t", { maxDepth: 3, types: ["x"] }))).toEqual(["s>t"]);
      expect(await g.findPaths("s", "t", { maxDepth: 3, types: ["none"] })).toEqual([]);
    },
  },
  {
    id: "direction",
    title: "paths follow direction in (edges backwards) and both (either way)",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      const back = await g.findPaths("t", "s", { maxDepth: 3, direction: "in" });
      expect(show(back)).toEqual(["t>s", "t>a>s", "t>b>s", "t>b>a>s"]);
      expect(showEdges(back[3])).toEqual(["b-r->t", "a-r->b", "s-r->a"]);
      const both = await g.findPaths("s", "t", { maxDepth: 2, direction: "both" });
      expect(show(both)).toEqual(["s>t", "s>t", "s>a>t", "s>b>t"]);
      expect(both.slice(0, 2).map(showEdges)).toEqual([["s-x->t"], ["t-r->s"]]);
    },
  },
  {
    id: "cycles",
    title: "paths through cycles and self-loops never repeat a node",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      const paths = await g.findPaths("a", "s", { maxDepth: 6 });
      expect(show(paths)).toEqual(["a>t>s", "a>b>t>s"]);
      for (const p of paths) expect(new Set(p.nodes).size).toBe(p.nodes.length);
    },
  },
  {
    id: "trivial",
    title: "a path from a node to itself is that node alone; a missing start or end gives no path",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(await g.findPaths("a", "a", { maxDepth: 3 })).toEqual([{ nodes: ["a"], edges: [] }]);
      expect(await g.findPaths("missing", "t", { maxDepth: 3 })).toEqual([]);
      expect(await g.findPaths("s", "missing", { maxDepth: 3 })).toEqual([]);
      expect(await g.shortestPath("missing", "missing", { maxDepth: 3 })).toBeUndefined();
    },
  },
  {
    id: "shortest",
    title: "shortestPath returns what findPaths would return first, or undefined when out of reach",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(showEdges(await g.shortestPath("s", "t", { maxDepth: 3 }))).toEqual(["s-x->t"]);
      expect((await g.shortestPath("s", "t", { maxDepth: 3, types: ["r"] }))?.nodes).toEqual(["s", "a", "t"]);
      expect((await g.shortestPath("t", "b", { maxDepth: 3 }))?.nodes).toEqual(["t", "s", "b"]);
      expect(await g.shortestPath("t", "b", { maxDepth: 1 })).toBeUndefined();
      expect(await g.shortestPath("b", "a", { maxDepth: 5, types: ["x"] })).toBeUndefined();
      expect(await g.shortestPath("s", "s", { maxDepth: 2 })).toEqual({ nodes: ["s"], edges: [] });
    },
  },
  {
    id: "dense",
    title: "in a complete 8-node graph, findPaths(maxDepth 3) returns all 37 simple paths in order",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const ids = range(8).map((i) => `n${i}`);
      await g.upsertEdges(ids.flatMap((from) => ids.filter((to) => to !== from).map((to) => ({ from, type: "e", to }))));
      const paths = await g.findPaths("n0", "n7", { maxDepth: 3, maxPaths: 1000 });
      expect(paths.length).toBe(1 + 6 + 30);
      for (let i = 1; i < paths.length; i++) {
        const a = paths[i - 1] as Path;
        const b = paths[i] as Path;
        const order = a.edges.length - b.edges.length || a.edges.map((e, j) => edgeCompare(e, b.edges[j] as typeof e)).find((c) => c !== 0) || 0;
        expect(order, `paths ${i - 1} and ${i} out of order`).toBeLessThan(0);
      }
      expect(paths.every((p) => new Set(p.nodes).size === p.nodes.length)).toBe(true);
    },
  },
  {
    id: "validation",
    title: "findPaths and shortestPath need a valid maxDepth",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdge({ from: "a", type: "r", to: "b" });
      await expectError(() => g.findPaths("a", "b", {} as { maxDepth: number }), "VALIDATION", "INVALID_OPTION");
      await expectError(() => g.shortestPath("a", "b", {} as { maxDepth: number }), "VALIDATION", "INVALID_OPTION");
      await expectError(() => g.findPaths("a", "b", { maxDepth: 1001 }), "VALIDATION", "INVALID_OPTION");
      await expectError(() => g.findPaths("a", "b", { maxDepth: 2, maxPaths: 0 }), "VALIDATION", "INVALID_OPTION");
    },
  },
];
