// spi/graph: every sentence of GraphDriver's doc comments about nodes, edges, deletes, listings,
// stats, clear and graphs(), called on the driver itself with core's encoded props.

import { expect } from "vitest";
import type { CaseDef } from "../../types.ts";
import { E, edge, edgeView, N, node, nodeView, spiGraph } from "./helpers.ts";

export const spiGraphCases: CaseDef[] = [
  {
    id: "get-nodes-order",
    title: "getNodes: records in input order, repeats allowed, undefined where missing",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await g.upsertNodes(name, [N("b", "T", { x: 1 }), N("a", null)], "merge");
      const got = (await g.getNodes(name, ["a", "zz", "b", "a"])).map(nodeView);
      expect(got, "getNodes answers position by position").toEqual([
        node("a", null),
        undefined,
        node("b", "T", { x: 1 }),
        node("a", null),
      ]);
      expect(
        await g.getNodes(t.freshName("graph"), ["a"]),
        "getNodes in a graph never written",
      ).toEqual([undefined]);
    },
  },
  {
    id: "merge-props",
    title:
      "merge: new props merge over stored ones top-level key by key; a new key's value replaces the old one whole",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await g.upsertNodes(
        name,
        [N("n", "P", { a: 1, b: { deep: 1, keep: 2 }, c: [1, 2] })],
        "merge",
      );
      await g.upsertNodes(name, [N("n", undefined, { b: { deep: 9 }, d: "new", c: [] })], "merge");
      expect(
        nodeView((await g.getNodes(name, ["n"]))[0]),
        "merge is shallow: b is replaced whole, a kept, d added",
      ).toEqual(node("n", "P", { a: 1, b: { deep: 9 }, c: [], d: "new" }));
      await g.upsertNodes(name, [N("n", undefined, {})], "merge");
      expect(nodeView((await g.getNodes(name, ["n"]))[0]), "merging {} changes nothing").toEqual(
        node("n", "P", { a: 1, b: { deep: 9 }, c: [], d: "new" }),
      );
    },
  },
  {
    id: "merge-type",
    title:
      "merge: an omitted type keeps the stored one; a given type (or null) replaces it; a new node without type has type null",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await g.upsertNodes(
        name,
        [N("keep", "Person"), N("change", "Person"), N("nulled", "Person"), N("fresh", undefined)],
        "merge",
      );
      await g.upsertNodes(
        name,
        [N("keep", undefined, { x: 1 }), N("change", "Robot"), N("nulled", null)],
        "merge",
      );
      const got = (await g.getNodes(name, ["keep", "change", "nulled", "fresh"])).map(
        (n) => n?.type,
      );
      expect(got, "types after merge: kept, replaced, set to null, null for a new node").toEqual([
        "Person",
        "Robot",
        null,
        null,
      ]);
    },
  },
  {
    id: "replace",
    title: "replace: props and type replaced whole; an omitted type becomes null",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await g.upsertNodes(name, [N("a", "Old", { x: 1, y: 2 }), N("b", "Old", { x: 1 })], "merge");
      await g.upsertNodes(name, [N("a", undefined, { z: 3 }), N("b", "New", {})], "replace");
      expect(
        (await g.getNodes(name, ["a", "b"])).map(nodeView),
        "replace drops old props and (when omitted) the type",
      ).toEqual([node("a", null, { z: 3 }), node("b", "New")]);
    },
  },
  {
    id: "bare-endpoints",
    title:
      "upsertEdges creates missing endpoints as bare nodes (type null, props {}) and leaves existing ones as they are",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await g.upsertNodes(name, [N("known", "K", { keep: true })], "merge");
      for (const mode of ["merge", "replace"] as const) {
        await g.upsertEdges(
          name,
          [E("known", "r", `new-${mode}`, { w: 1 }), E(`src-${mode}`, "r", "known")],
          mode,
        );
        const [known, target, source] = await g.getNodes(name, [
          "known",
          `new-${mode}`,
          `src-${mode}`,
        ]);
        expect(
          nodeView(known),
          `an existing endpoint keeps its type and props (mode ${mode})`,
        ).toEqual(node("known", "K", { keep: true }));
        expect(
          target && { ...target, props: JSON.parse(target.props) },
          `a missing target becomes a bare node (mode ${mode})`,
        ).toEqual(node(`new-${mode}`, null));
        expect(
          source?.type === null && JSON.parse(source.props),
          `a missing source becomes a bare node (mode ${mode})`,
        ).toEqual({});
      }
      await g.upsertEdges(name, [E("loop", "self", "loop")], "merge");
      expect(
        nodeView((await g.getNodes(name, ["loop"]))[0]),
        "a self-loop creates its one endpoint",
      ).toEqual(node("loop", null));
    },
  },
  {
    id: "edge-props",
    title:
      "edge props: merge key by key, replace whole; getEdges in input order with undefined where missing",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await g.upsertEdges(
        name,
        [E("a", "r", "b", { x: 1, y: 1 }), E("a", "s", "b", { x: 1, y: 1 })],
        "merge",
      );
      await g.upsertEdges(name, [E("a", "r", "b", { y: 2, z: 3 })], "merge");
      await g.upsertEdges(name, [E("a", "s", "b", { y: 2 })], "replace");
      const got = (
        await g.getEdges(name, [
          { from: "a", type: "s", to: "b" },
          { from: "b", type: "r", to: "a" },
          { from: "a", type: "r", to: "b" },
          { from: "a", type: "s", to: "b" },
        ])
      ).map(edgeView);
      expect(got, "getEdges: position by position; the edge (from, type, to) is directed").toEqual([
        edge("a", "s", "b", { y: 2 }),
        undefined,
        edge("a", "r", "b", { x: 1, y: 2, z: 3 }),
        edge("a", "s", "b", { y: 2 }),
      ]);
    },
  },
  {
    id: "edge-identity",
    title: "edges are keyed by (from, type, to): look-alike tuples with separators never collide",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      const edges = [
        E("a:b", "c", "d", { i: 1 }),
        E("a", "b:c", "d", { i: 2 }),
        E("a", "b", "c:d", { i: 3 }),
        E("a\u0001b", "c", "d", { i: 4 }),
        E("a", "b\u0001c", "d", { i: 5 }),
        E("a|b", "c", "d", { i: 6 }),
      ];
      await g.upsertEdges(name, edges, "merge");
      const got = await g.getEdges(name, edges);
      expect(
        got.map((e) => e && JSON.parse(e.props).i),
        "each tuple is its own edge",
      ).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await g.stats(name)).edges).toBe(6);
    },
  },
  {
    id: "delete-nodes",
    title:
      "deleteNodes: returns how many of the ids existed, and deletes every incident edge (out, in, self-loop)",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await g.upsertEdges(
        name,
        [
          E("x", "r", "y"),
          E("y", "r", "z"),
          E("z", "r", "x"),
          E("x", "loop", "x"),
          E("w", "r", "x"),
          E("y", "r", "w"),
        ],
        "merge",
      );
      expect(
        await g.deleteNodes(name, ["x", "missing", "other"]),
        "deleteNodes counts nodes that existed, not ids given",
      ).toBe(1);
      expect(
        (await g.getNodes(name, ["x", "y", "z", "w"])).map((n) => n?.id),
        "only x is gone",
      ).toEqual([undefined, "y", "z", "w"]);
      const left = await g.listEdges(name, { limit: 100 });
      expect(
        left.map((e) => `${e.from}-${e.type}-${e.to}`),
        "every edge touching x is gone (cascade)",
      ).toEqual(["y-r-w", "y-r-z"]);
      const around = await g.neighbors(name, ["y", "z", "w"], { direction: "both" });
      expect(
        around.flat().some((e) => e.from === "x" || e.to === "x"),
        "no neighbor list still shows x",
      ).toBe(false);
      expect(await g.deleteNodes(name, ["x"]), "deleting again counts 0").toBe(0);
      expect(await g.deleteNodes(name, ["y", "z"]), "two existing nodes").toBe(2);
      expect(await g.stats(name)).toEqual({ nodes: 1, edges: 0 });
    },
  },
  {
    id: "delete-edges",
    title: "deleteEdges: returns how many edges existed; the nodes stay",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await g.upsertEdges(name, [E("a", "r", "b"), E("a", "s", "b"), E("b", "r", "a")], "merge");
      const n = await g.deleteEdges(name, [
        { from: "a", type: "r", to: "b" },
        { from: "a", type: "r", to: "zz" },
        { from: "b", type: "s", to: "a" },
        { from: "b", type: "r", to: "a" },
      ]);
      expect(n, "deleteEdges counts edges that existed").toBe(2);
      expect(
        (await g.listEdges(name, { limit: 10 })).map((e) => `${e.from}-${e.type}-${e.to}`),
      ).toEqual(["a-s-b"]);
      expect(
        (await g.getNodes(name, ["a", "b"])).map((x) => x?.id),
        "deleting edges never deletes nodes",
      ).toEqual(["a", "b"]);
      expect(
        await g.deleteEdges(name, [{ from: "a", type: "r", to: "b" }]),
        "deleting again counts 0",
      ).toBe(0);
    },
  },
];
