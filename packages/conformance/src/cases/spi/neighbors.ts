// spi/neighbors: GraphDriver.neighbors, degree and a native traverse, called on the driver with
// batches of several ids — which core's single-id helpers never send.

import type { Direction, EdgeRecord, GraphDriver, TraverseQuery } from "@stowage/core";
import { fetchLevelWith, walkLevels } from "@stowage/core";
import { expect } from "vitest";
import type { CaseDef } from "../../types.ts";
import { props, spiGraph } from "./helpers.ts";

const E = (from: string, type: string, to: string) => ({
  from,
  type,
  to,
  props: props({ w: `${from}>${to}` }),
});
const show = (lists: EdgeRecord[][]) =>
  lists.map((l) => l.map((e) => `${e.from}-${e.type}-${e.to}`));

/** hub has out-edges to x, y, z (types r, s), in-edges from p, q, a self-loop, and more. */
async function fixture(g: GraphDriver, name: string): Promise<void> {
  await g.upsertEdges(
    name,
    [
      E("hub", "s", "a"),
      E("hub", "r", "z"),
      E("hub", "r", "x"),
      E("hub", "r", "y"),
      E("hub", "loop", "hub"),
      E("q", "r", "hub"),
      E("p", "s", "hub"),
      E("p", "r", "hub"),
      E("x", "r", "y"),
      E("y", "r", "x"),
      E("x", "t", "hub"),
    ],
    "merge",
  );
}

export const spiNeighborCases: CaseDef[] = [
  {
    id: "batch",
    title:
      "neighbors: one list per id, in input order, [] for an id without edges or not in the graph",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await fixture(g, name);
      await g.upsertNodes(name, [{ id: "alone", props: "{}" }], "merge");
      const got = show(
        await g.neighbors(name, ["y", "missing", "x", "alone"], { direction: "out" }),
      );
      expect(got, "neighbors answers id by id, in input order").toEqual([
        ["y-r-x"],
        [],
        ["x-r-y", "x-t-hub"],
        [],
      ]);
    },
  },
  {
    id: "out-order",
    title: "neighbors out: edges from the id, ordered by (type, to)",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await fixture(g, name);
      expect(
        show(await g.neighbors(name, ["hub"], { direction: "out" })),
        "out-edges by (type, other end)",
      ).toEqual([["hub-loop-hub", "hub-r-x", "hub-r-y", "hub-r-z", "hub-s-a"]]);
    },
  },
  {
    id: "in-order",
    title: "neighbors in: edges to the id, ordered by (type, from); a self-loop listed in `in` too",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await fixture(g, name);
      expect(
        show(await g.neighbors(name, ["hub"], { direction: "in" })),
        "in-edges by (type, other end)",
      ).toEqual([["hub-loop-hub", "p-r-hub", "q-r-hub", "p-s-hub", "x-t-hub"]]);
    },
  },
  {
    id: "both",
    title: "neighbors both: out-edges then in-edges, each part ordered, a self-loop once (as out)",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await fixture(g, name);
      expect(
        show(await g.neighbors(name, ["hub", "x"], { direction: "both" })),
        "both = out (ordered) then in (ordered), self-loop once",
      ).toEqual([
        [
          "hub-loop-hub",
          "hub-r-x",
          "hub-r-y",
          "hub-r-z",
          "hub-s-a",
          "p-r-hub",
          "q-r-hub",
          "p-s-hub",
          "x-t-hub",
        ],
        ["x-r-y", "x-t-hub", "hub-r-x", "y-r-x"],
      ]);
    },
  },
  {
    id: "byte-order",
    title:
      "neighbors order types and other ends by UTF-8 bytes (astral after U+FFFD, upper before lower case)",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      const others = ["b", "B", "😀", "\uFFFD", "é", "a"];
      await g.upsertEdges(
        name,
        [
          ...others.map((o) => E("n", "t", o)),
          E("n", "T", "a"),
          E("n", "😀", "a"),
          E("n", "\uFFFD", "a"),
        ],
        "merge",
      );
      const got = show(await g.neighbors(name, ["n"], { direction: "out" }))[0];
      expect(got, "ordered by type, then other end, both in byte order").toEqual([
        "n-T-a",
        "n-t-B",
        "n-t-a",
        "n-t-b",
        "n-t-é",
        "n-t-\uFFFD",
        "n-t-😀",
        "n-\uFFFD-a",
        "n-😀-a",
      ]);
    },
  },
  {
    id: "limit-per-id",
    title: "neighbors limit applies per id, after ordering (not to the whole batch)",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await fixture(g, name);
      const got = show(
        await g.neighbors(name, ["hub", "x", "y", "p"], { direction: "out", limit: 2 }),
      );
      expect(got, "each id gets its own first `limit` edges").toEqual([
        ["hub-loop-hub", "hub-r-x"],
        ["x-r-y", "x-t-hub"],
        ["y-r-x"],
        ["p-r-hub", "p-s-hub"],
      ]);
      const one = show(await g.neighbors(name, ["hub", "x"], { direction: "in", limit: 1 }));
      expect(one, "limit 1 per id, direction in").toEqual([["hub-loop-hub"], ["hub-r-x"]]);
    },
  },
  {
    id: "limit-both",
    title: "neighbors limit with both cuts the combined out-then-in list",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await fixture(g, name);
      const got = show(await g.neighbors(name, ["x", "hub"], { direction: "both", limit: 3 }));
      expect(got, "first 3 of out-then-in, per id").toEqual([
        ["x-r-y", "x-t-hub", "hub-r-x"],
        ["hub-loop-hub", "hub-r-x", "hub-r-y"],
      ]);
      const big = show(await g.neighbors(name, ["x"], { direction: "both", limit: 100 }));
      expect(big, "a limit above the count lists everything").toEqual([
        ["x-r-y", "x-t-hub", "hub-r-x", "y-r-x"],
      ]);
    },
  },
  {
    id: "types",
    title: "neighbors types filter (one or several types), with limit after filtering",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await fixture(g, name);
      expect(
        show(await g.neighbors(name, ["hub"], { direction: "out", types: ["s"] })),
        "one type",
      ).toEqual([["hub-s-a"]]);
      expect(
        show(await g.neighbors(name, ["hub"], { direction: "both", types: ["s", "t"] })),
        "two types, both directions",
      ).toEqual([["hub-s-a", "p-s-hub", "x-t-hub"]]);
      expect(
        show(await g.neighbors(name, ["hub", "x"], { direction: "out", types: ["r"], limit: 2 })),
        "types then limit per id",
      ).toEqual([["hub-r-x", "hub-r-y"], ["x-r-y"]]);
      expect(
        show(await g.neighbors(name, ["hub"], { direction: "out", types: ["none"] })),
        "a type nothing has",
      ).toEqual([[]]);
    },
  },
  {
    id: "records",
    title: "neighbors returns whole edge records (props included)",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await fixture(g, name);
      const [[first]] = (await g.neighbors(name, ["q"], { direction: "out" })) as [[EdgeRecord]];
      expect({ ...first, props: JSON.parse(first.props) }, "an edge record from neighbors").toEqual(
        { from: "q", type: "r", to: "hub", props: { w: "q>hub" } },
      );
    },
  },
  {
    id: "degree",
    title: "degree: per id, the number of edges neighbors would list without limit (limit ignored)",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      await fixture(g, name);
      const ids = ["hub", "x", "missing", "a"];
      for (const direction of ["out", "in", "both"] as Direction[]) {
        for (const types of [undefined, ["r"], ["s", "loop"]]) {
          const query = { direction, ...(types ? { types } : {}) };
          const lists = await g.neighbors(name, ids, query);
          const want = lists.map((l) => l.length);
          expect(
            await g.degree(name, ids, query),
            `degree ${JSON.stringify(query)} equals neighbors' lengths`,
          ).toEqual(want);
          expect(
            await g.degree(name, ids, { ...query, limit: 1 }),
            `degree ${JSON.stringify(query)} with limit 1 still counts every edge`,
          ).toEqual(want);
        }
      }
      expect(
        await g.degree(name, ["hub"], { direction: "both" }),
        "the self-loop counts once for both",
      ).toEqual([9]);
    },
  },
  {
    id: "native-traverse",
    title: "a native traverse returns exactly what core's level walk returns over neighbors",
    needs: ["graph", "nativeTraversal"],
    async run(t) {
      const { g, name } = spiGraph(t);
      expect(
        typeof g.traverse,
        "declared nativeTraversal: true, but graph.traverse is not a function",
      ).toBe("function");
      await fixture(g, name);
      await g.upsertEdges(
        name,
        [E("z", "r", "far"), E("far", "r", "farther"), E("a", "s", "b")],
        "merge",
      );
      const queries: [string[], TraverseQuery][] = [
        [["hub"], { maxDepth: 0, direction: "out", maxNodes: 100 }],
        [["hub"], { maxDepth: 1, direction: "out", maxNodes: 100 }],
        [["hub"], { maxDepth: 3, direction: "both", maxNodes: 100 }],
        [["hub"], { maxDepth: 3, direction: "both", maxNodes: 4 }],
        [["x", "q"], { maxDepth: 2, direction: "in", maxNodes: 100 }],
        [["hub", "missing"], { maxDepth: 2, direction: "out", types: ["r"], maxNodes: 100 }],
        [["p"], { maxDepth: 4, direction: "out", types: ["s", "r"], maxNodes: 3 }],
        [["missing"], { maxDepth: 2, direction: "both", maxNodes: 10 }],
      ];
      for (const [seeds, query] of queries) {
        const nq = { direction: query.direction, ...(query.types ? { types: query.types } : {}) };
        const want = await walkLevels(seeds, query, fetchLevelWith(g, name, nq));
        const got = await (g.traverse as NonNullable<GraphDriver["traverse"]>)(name, seeds, query);
        const view = (r: typeof want) => ({
          nodes: r.nodes.map((n) => ({
            id: n.id,
            depth: n.depth,
            type: n.type,
            props: JSON.parse(n.props),
          })),
          edges: r.edges.map((e) => `${e.from}-${e.type}-${e.to}`),
          truncated: r.truncated,
        });
        expect(
          view(got),
          `native traverse ${JSON.stringify({ seeds, ...query })} must equal core's walk`,
        ).toEqual(view(want));
      }
    },
  },
];
