// graph/traverse: exact results of core's traversal semantics (core/src/traversal.ts), whether the
// driver walks natively or core walks `neighbors`: depths, depth bounds, cycles, self-loops,
// direction, type filters, and maxNodes truncation with its edge rule.

import { expect } from "vitest";
import type { Graph, TraverseResult } from "@stowage/core";
import { expectError, pad, range, shuffled } from "../assert.ts";
import type { CaseDef } from "../types.ts";

/** "id@depth" per node and "from-type->to" per edge, in result order. */
function summary(r: TraverseResult): { nodes: string[]; edges: string[]; truncated: boolean } {
  return {
    nodes: r.nodes.map((n) => `${n.id}@${n.depth}`),
    edges: r.edges.map((e) => `${e.from}-${e.type}->${e.to}`),
    truncated: r.truncated,
  };
}

/**
 *   f -r-> a -r-> b -r-> c -r-> a   (a cycle)
 *          a -t-> e -r-> g
 *                        c -r-> d -s-> d   (a self-loop)
 */
async function fixture(g: Graph): Promise<void> {
  await g.upsertNodes([{ id: "a", type: "A", props: { name: "a" } }]);
  await g.upsertEdges([
    { from: "a", type: "r", to: "b" },
    { from: "b", type: "r", to: "c" },
    { from: "c", type: "r", to: "a" },
    { from: "c", type: "r", to: "d" },
    { from: "d", type: "s", to: "d" },
    { from: "a", type: "t", to: "e" },
    { from: "f", type: "r", to: "a" },
    { from: "e", type: "r", to: "g" },
  ]);
}

export const graphTraverse: CaseDef[] = [
  {
    id: "depth-0",
    title: "maxDepth 0 returns the seed alone, with its props, and no edges",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      const r = await g.traverse("a", { maxDepth: 0 });
      expect(summary(r)).toEqual({ nodes: ["a@0"], edges: [], truncated: false });
      expect(r.nodes[0]).toEqual({ id: "a", type: "A", props: { name: "a" }, depth: 0 });
    },
  },
  {
    id: "depth-bounds",
    title: "maxDepth 1, 2, 3 and 4 reach exactly the nodes within that many hops",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(summary(await g.traverse("a", { maxDepth: 1 }))).toEqual({ nodes: ["a@0", "b@1", "e@1"], edges: ["a-r->b", "a-t->e"], truncated: false });
      expect(summary(await g.traverse("a", { maxDepth: 2 }))).toEqual({
        nodes: ["a@0", "b@1", "e@1", "c@2", "g@2"],
        edges: ["a-r->b", "a-t->e", "b-r->c", "e-r->g"],
        truncated: false,
      });
      expect(summary(await g.traverse("a", { maxDepth: 3 })).nodes).toEqual(["a@0", "b@1", "e@1", "c@2", "g@2", "d@3"]);
    },
  },
  {
    id: "edge-rule",
    title: "an edge is returned only when followed from a node below maxDepth (the back edge of a cycle and a self-loop at the bound are not)",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      // c is at depth 2: with maxDepth 2 its back edge c->a is not followed.
      expect(summary(await g.traverse("a", { maxDepth: 2 })).edges).not.toContain("c-r->a");
      const three = summary(await g.traverse("a", { maxDepth: 3 }));
      expect(three.edges).toEqual(["a-r->b", "a-t->e", "b-r->c", "c-r->a", "c-r->d", "e-r->g"]);
      // d is at depth 3: its self-loop appears only once d is expanded.
      const four = summary(await g.traverse("a", { maxDepth: 4 }));
      expect(four.nodes).toEqual(three.nodes);
      expect(four.edges).toEqual(["a-r->b", "a-t->e", "b-r->c", "c-r->a", "c-r->d", "d-s->d", "e-r->g"]);
    },
  },
  {
    id: "direction-in",
    title: "direction in walks edges backwards",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(summary(await g.traverse("a", { maxDepth: 2, direction: "in" }))).toEqual({
        nodes: ["a@0", "c@1", "f@1", "b@2"],
        edges: ["b-r->c", "c-r->a", "f-r->a"],
        truncated: false,
      });
    },
  },
  {
    id: "direction-both",
    title: "direction both walks edges either way; a self-loop is followed once",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(summary(await g.traverse("d", { maxDepth: 1, direction: "both" }))).toEqual({
        nodes: ["d@0", "c@1"],
        edges: ["c-r->d", "d-s->d"],
        truncated: false,
      });
      expect(summary(await g.traverse("g", { maxDepth: 2, direction: "both" }))).toEqual({
        nodes: ["g@0", "e@1", "a@2"],
        edges: ["a-t->e", "e-r->g"],
        truncated: false,
      });
    },
  },
  {
    id: "types",
    title: "types restricts which edges are walked",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(summary(await g.traverse("a", { maxDepth: 5, types: ["t"] }))).toEqual({ nodes: ["a@0", "e@1"], edges: ["a-t->e"], truncated: false });
      expect(summary(await g.traverse("c", { maxDepth: 5, types: ["s"] }))).toEqual({ nodes: ["c@0"], edges: [], truncated: false });
      expect(summary(await g.traverse("d", { maxDepth: 5, types: ["s", "nope"], direction: "both" }))).toEqual({ nodes: ["d@0"], edges: ["d-s->d"], truncated: false });
    },
  },
  {
    id: "max-nodes",
    title: "maxNodes keeps the first nodes by (depth, id), says truncated, and returns only edges between kept nodes",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(summary(await g.traverse("a", { maxDepth: 3, maxNodes: 4 }))).toEqual({
        nodes: ["a@0", "b@1", "e@1", "c@2"],
        edges: ["a-r->b", "a-t->e", "b-r->c", "c-r->a"],
        truncated: true,
      });
      expect(summary(await g.traverse("a", { maxDepth: 3, maxNodes: 1 }))).toEqual({ nodes: ["a@0"], edges: [], truncated: true });
      expect(summary(await g.traverse("a", { maxDepth: 3, maxNodes: 5 }))).toMatchObject({ nodes: ["a@0", "b@1", "e@1", "c@2", "g@2"], truncated: true });
    },
  },
  {
    id: "max-nodes-exact",
    title: "maxNodes equal to the number of reachable nodes is not truncated",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(summary(await g.traverse("a", { maxDepth: 3, maxNodes: 6 }))).toMatchObject({ truncated: false });
      expect((await g.traverse("a", { maxDepth: 3, maxNodes: 6 })).nodes.length).toBe(6);
      expect(summary(await g.traverse("a", { maxDepth: 1, maxNodes: 3 }))).toMatchObject({ nodes: ["a@0", "b@1", "e@1"], truncated: false });
    },
  },
  {
    id: "seeds",
    title: "several seeds all start at depth 0 (in id order); missing seeds are ignored",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(summary(await g.traverse(["e", "a", "missing", "e"], { maxDepth: 1 }))).toEqual({
        nodes: ["a@0", "e@0", "b@1", "g@1"],
        edges: ["a-r->b", "a-t->e", "e-r->g"],
        truncated: false,
      });
      expect(summary(await g.traverse(["missing"], { maxDepth: 3 }))).toEqual({ nodes: [], edges: [], truncated: false });
      expect(summary(await g.traverse([], { maxDepth: 3 }))).toEqual({ nodes: [], edges: [], truncated: false });
    },
  },
  {
    id: "seeds-over-max",
    title: "more seeds than maxNodes keeps the first seeds by id and expands none past the cut",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await fixture(g);
      expect(summary(await g.traverse(["g", "f", "e"], { maxDepth: 1, maxNodes: 2 }))).toEqual({ nodes: ["e@0", "f@0"], edges: [], truncated: true });
    },
  },
  {
    id: "shortest-depth",
    title: "a node reachable by paths of several lengths gets the shortest depth, and edges between kept nodes at the bound are kept",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdges([
        { from: "s", type: "r", to: "a" },
        { from: "a", type: "r", to: "b" },
        { from: "b", type: "r", to: "c" },
        { from: "s", type: "r", to: "c" },
      ]);
      expect(summary(await g.traverse("s", { maxDepth: 3 }))).toEqual({
        nodes: ["s@0", "a@1", "c@1", "b@2"],
        edges: ["a-r->b", "b-r->c", "s-r->a", "s-r->c"],
        truncated: false,
      });
      expect(summary(await g.traverse("s", { maxDepth: 2 })).edges).toEqual(["a-r->b", "s-r->a", "s-r->c"]);
    },
  },
  {
    id: "long-cycle",
    title: "a 60-node cycle with maxDepth 1000 returns each node once at its distance and every edge once",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const ids = range(60).map((i) => `c${pad(i, 2)}`);
      await g.upsertEdges(ids.map((from, i) => ({ from, type: "next", to: ids[(i + 1) % 60] as string })));
      const r = await g.traverse("c00", { maxDepth: 1000 });
      expect(r.nodes.map((n) => `${n.id}@${n.depth}`)).toEqual(ids.map((id, i) => `${id}@${i}`));
      expect(r.edges.length).toBe(60);
      expect(r.truncated).toBe(false);
      const both = await g.traverse("c00", { maxDepth: 1000, direction: "both" });
      expect(Math.max(...both.nodes.map((n) => n.depth))).toBe(30);
      expect(both.nodes.length).toBe(60);
    },
  },
  {
    id: "deep-chain",
    title: "a 150-node chain with maxDepth 100 stops at depth 100",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const ids = range(150).map((i) => `n${pad(i, 3)}`);
      await g.upsertEdges(ids.slice(1).map((to, i) => ({ from: ids[i] as string, type: "next", to })));
      const r = await g.traverse("n000", { maxDepth: 100 });
      expect(r.nodes.length).toBe(101);
      expect(r.nodes[100]).toMatchObject({ id: "n100", depth: 100 });
      expect(r.edges.length).toBe(100);
      expect(r.edges[99]).toMatchObject({ from: "n099", to: "n100" });
      expect(r.truncated).toBe(false);
    },
  },
  {
    id: "fanout-truncation",
    title: "a 500-child fan-out with maxNodes 100 keeps the seed and the first 99 children by id",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const kids = range(500).map((i) => `k${pad(i)}`);
      await g.upsertEdges(shuffled(kids).map((to) => ({ from: "root", type: "child", to })));
      await g.upsertEdges(kids.slice(0, 5).map((from) => ({ from, type: "child", to: "grandchild" })));
      const r = await g.traverse("root", { maxDepth: 2, maxNodes: 100 });
      expect(r.truncated).toBe(true);
      expect(r.nodes.map((n) => n.id)).toEqual(["root", ...kids.slice(0, 99)]);
      expect(r.edges.map((e) => e.to)).toEqual(kids.slice(0, 99));
    },
  },
  {
    id: "grid",
    title: "a 30×30 grid: depth 10 reaches the 66 nodes within 10 steps; maxNodes 30 cuts inside depth 7",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const id = (i: number, j: number) => `n${pad(i, 2)}-${pad(j, 2)}`;
      const edges = range(30).flatMap((i) =>
        range(30).flatMap((j) => [...(i < 29 ? [{ from: id(i, j), type: "r", to: id(i + 1, j) }] : []), ...(j < 29 ? [{ from: id(i, j), type: "d", to: id(i, j + 1) }] : [])]),
      );
      await g.upsertEdges(edges);
      const full = await g.traverse(id(0, 0), { maxDepth: 10 });
      expect(full.nodes.length).toBe(66);
      expect(full.edges.length).toBe(110);
      expect(full.truncated).toBe(false);
      expect(full.nodes.filter((n) => n.depth === 10).length).toBe(11);
      expect(full.nodes.every((n) => n.depth === Number(n.id.slice(1, 3)) + Number(n.id.slice(4, 6)))).toBe(true);
      const cut = await g.traverse(id(0, 0), { maxDepth: 10, maxNodes: 30 });
      expect(cut.truncated).toBe(true);
      expect(cut.nodes.slice(28).map((n) => `${n.id}@${n.depth}`)).toEqual([`${id(0, 7)}@7`, `${id(1, 6)}@7`]);
      expect(cut.edges.length).toBe(45);
      const back = await g.traverse(id(29, 29), { maxDepth: 2, direction: "in" });
      expect(back.nodes.map((n) => n.id)).toEqual([id(29, 29), id(28, 29), id(29, 28), id(27, 29), id(28, 28), id(29, 27)]);
    },
  },
  {
    id: "node-records",
    title: "traversed nodes carry their type and props; edges carry their props",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNodes([{ id: "x", type: "X", props: { d: new Date(3), n: 1n } }]);
      await g.upsertEdge({ from: "x", type: "r", to: "y", props: { w: 2 } });
      const r = await g.traverse("x", { maxDepth: 1 });
      expect(r.nodes).toEqual([
        { id: "x", type: "X", props: { d: new Date(3), n: 1n }, depth: 0 },
        { id: "y", type: null, props: {}, depth: 1 },
      ]);
      expect(r.edges).toEqual([{ from: "x", type: "r", to: "y", props: { w: 2 } }]);
    },
  },
  {
    id: "validation",
    title: "a missing or out-of-range maxDepth, a bad maxNodes or direction throws ValidationError",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNode({ id: "a" });
      await expectError(() => g.traverse("a", {} as { maxDepth: number }), "VALIDATION", "INVALID_OPTION");
      await expectError(() => g.traverse("a", undefined as unknown as { maxDepth: number }), "VALIDATION", "INVALID_OPTION");
      for (const maxDepth of [-1, 1001, 1.5, Number.NaN]) {
        await expectError(() => g.traverse("a", { maxDepth }), "VALIDATION", "INVALID_OPTION");
      }
      await expectError(() => g.traverse("a", { maxDepth: 1, maxNodes: 0 }), "VALIDATION", "INVALID_OPTION");
      await expectError(() => g.traverse("a", { maxDepth: 1, direction: "up" as "out" }), "VALIDATION", "INVALID_OPTION");
      await expectError(() => g.traverse("a", { maxDepth: 1, types: [] }), "VALIDATION", "INVALID_OPTION");
      await expectError(() => g.traverse("", { maxDepth: 1 }), "VALIDATION", "INVALID_KEY");
      expect((await g.traverse("a", { maxDepth: 1000 })).nodes.length).toBe(1);
    },
  },
];
