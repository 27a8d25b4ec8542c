// graph/neighbors: direction, ordering by (type, other end) in byte order, the self-loop rule,
// type filters, per-node limits and degree.

import { expect } from "vitest";
import type { Graph, Neighbor } from "@stowage/core";
import { byteSorted, pad, range, shuffled } from "../assert.ts";
import type { CaseDef } from "../types.ts";

const show = (list: Neighbor[]) => list.map((n) => `${n.direction}:${n.edge.from}-${n.edge.type}->${n.edge.to}`);

/** hub has out-edges to b (types y, x), c (x), itself (s), and in-edges from d (x), e (y), b (x). */
async function hub(g: Graph): Promise<void> {
  await g.upsertEdges([
    { from: "hub", type: "y", to: "b", props: { n: 1 } },
    { from: "hub", type: "x", to: "c", props: { n: 2 } },
    { from: "hub", type: "x", to: "b", props: { n: 3 } },
    { from: "hub", type: "s", to: "hub", props: { n: 4 } },
    { from: "d", type: "x", to: "hub", props: { n: 5 } },
    { from: "e", type: "y", to: "hub", props: { n: 6 } },
    { from: "b", type: "x", to: "hub", props: { n: 7 } },
  ]);
}

export const graphNeighbors: CaseDef[] = [
  {
    id: "out-order",
    title: "out neighbors (the default) are ordered by (type, to) and carry the decoded edge",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await hub(g);
      const out = await g.neighbors("hub");
      expect(show(out)).toEqual(["out:hub-s->hub", "out:hub-x->b", "out:hub-x->c", "out:hub-y->b"]);
      expect(out[1]).toEqual({ id: "b", direction: "out", edge: { from: "hub", type: "x", to: "b", props: { n: 3 } } });
      expect(out.map((n) => n.id)).toEqual(["hub", "b", "c", "b"]);
    },
  },
  {
    id: "in-order",
    title: "in neighbors are ordered by (type, from)",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await hub(g);
      const list = await g.neighbors("hub", { direction: "in" });
      expect(list.map((n) => `${n.edge.from}-${n.edge.type}`)).toEqual(["hub-s", "b-x", "d-x", "e-y"]);
      expect(list.slice(1).every((n) => n.direction === "in")).toBe(true);
      expect(list.map((n) => n.id)).toEqual(["hub", "b", "d", "e"]);
    },
  },
  {
    id: "both-order",
    title: "both lists out-edges then in-edges, each ordered, and a self-loop once (as out)",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await hub(g);
      const list = await g.neighbors("hub", { direction: "both" });
      expect(show(list)).toEqual([
        "out:hub-s->hub",
        "out:hub-x->b",
        "out:hub-x->c",
        "out:hub-y->b",
        "in:b-x->hub",
        "in:d-x->hub",
        "in:e-y->hub",
      ]);
    },
  },
  {
    id: "types-filter",
    title: "types keeps only edges of those types, in every direction",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await hub(g);
      expect(show(await g.neighbors("hub", { types: ["x"] }))).toEqual(["out:hub-x->b", "out:hub-x->c"]);
      expect(show(await g.neighbors("hub", { direction: "in", types: ["y", "s"] }))).toEqual(["out:hub-s->hub", "in:e-y->hub"]);
      expect(show(await g.neighbors("hub", { direction: "both", types: ["y"] }))).toEqual(["out:hub-y->b", "in:e-y->hub"]);
      expect(await g.neighbors("hub", { direction: "both", types: ["none"] })).toEqual([]);
      expect(show(await g.neighbors("hub", { types: ["x", "x", "y"] })).length).toBe(3);
    },
  },
  {
    id: "limit",
    title: "limit applies after ordering (for both: out-edges first)",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await hub(g);
      expect(show(await g.neighbors("hub", { limit: 2 }))).toEqual(["out:hub-s->hub", "out:hub-x->b"]);
      expect(show(await g.neighbors("hub", { direction: "both", limit: 5 }))).toEqual([
        "out:hub-s->hub",
        "out:hub-x->b",
        "out:hub-x->c",
        "out:hub-y->b",
        "in:b-x->hub",
      ]);
      expect(show(await g.neighbors("hub", { direction: "in", limit: 1, types: ["x"] }))).toEqual(["in:b-x->hub"]);
      expect((await g.neighbors("hub", { direction: "both", limit: 100 })).length).toBe(7);
    },
  },
  {
    id: "self-loop-in",
    title: "a self-loop is listed once for in and once for both, and counted once by degree",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdge({ from: "s", type: "loop", to: "s" });
      expect((await g.neighbors("s", { direction: "out" })).length).toBe(1);
      expect((await g.neighbors("s", { direction: "in" })).length).toBe(1);
      expect((await g.neighbors("s", { direction: "both" })).map((n) => n.id)).toEqual(["s"]);
      expect(await g.degree("s", { direction: "both" })).toBe(1);
      expect(await g.degree("s", { direction: "in" })).toBe(1);
    },
  },
  {
    id: "degree",
    title: "degree counts what neighbors would list without a limit, per direction and type",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await hub(g);
      expect(await g.degree("hub")).toBe(4);
      expect(await g.degree("hub", { direction: "in" })).toBe(4);
      expect(await g.degree("hub", { direction: "both" })).toBe(7);
      expect(await g.degree("hub", { direction: "both", types: ["x"] })).toBe(4);
      expect(await g.degree("b", { direction: "both" })).toBe(3);
      expect(await g.degree("missing", { direction: "both" })).toBe(0);
    },
  },
  {
    id: "missing-node",
    title: "neighbors of a missing or isolated node is an empty list",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNode({ id: "alone" });
      await g.upsertEdge({ from: "a", type: "r", to: "b" });
      expect(await g.neighbors("missing", { direction: "both" })).toEqual([]);
      expect(await g.neighbors("alone", { direction: "both" })).toEqual([]);
      expect(await g.neighbors("b")).toEqual([]);
    },
  },
  {
    id: "byte-order",
    title: "neighbors order types and ids in UTF-8 byte order (astral after U+FFFD, case-sensitive)",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const ends = ["😀", "\uFFFD", "Z", "a", "é", "aa", "A"];
      await g.upsertEdges(shuffled(ends).map((to) => ({ from: "n", type: "t", to })));
      await g.upsertEdges(["😀", "\uFFFD", "T", "t0"].map((type) => ({ from: "n", type, to: "z" })));
      const list = await g.neighbors("n");
      expect(list.map((x) => `${x.edge.type}/${x.id}`)).toEqual([
        "T/z",
        ...byteSorted(ends).map((e) => `t/${e}`),
        "t0/z",
        "\uFFFD/z",
        "😀/z",
      ]);
    },
  },
  {
    id: "many",
    title: "300 neighbors come back complete and ordered; limit 7 gives the first 7",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const ids = range(300).map((i) => `m${pad(i)}`);
      await g.upsertEdges(shuffled(ids).map((to) => ({ from: "root", type: "has", to })));
      expect((await g.neighbors("root")).map((n) => n.id)).toEqual(ids);
      expect((await g.neighbors("root", { limit: 7 })).map((n) => n.id)).toEqual(ids.slice(0, 7));
      expect(await g.degree("root")).toBe(300);
      expect((await g.neighbors("m00042", { direction: "in" })).map((n) => n.id)).toEqual(["root"]);
    },
  },
  {
    id: "isolated-graphs",
    title: "the same ids in another graph never show up in neighbors or degree",
    needs: ["graph"],
    async run(t) {
      const g1 = t.graph();
      const g2 = t.graph();
      await g1.upsertEdge({ from: "a", type: "r", to: "b" });
      await g2.upsertEdges([{ from: "a", type: "r", to: "c" }, { from: "d", type: "r", to: "a" }]);
      expect((await g1.neighbors("a", { direction: "both" })).map((n) => n.id)).toEqual(["b"]);
      expect(await g1.degree("a", { direction: "both" })).toBe(1);
      expect((await g2.neighbors("a", { direction: "both" })).map((n) => n.id)).toEqual(["c", "d"]);
    },
  },
];
