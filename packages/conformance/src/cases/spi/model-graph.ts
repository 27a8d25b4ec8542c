// spi/model, graph: random GraphDriver command sequences (batches of ids, per-id limits, paging)
// against the kit's graph model, compared after every step (see model-kv.ts for the KV half).

import type { GraphDriver } from "@stowage/core";
import fc from "fast-check";
import { expect } from "vitest";
import { byteCompare, edgeCompare } from "../../assert.ts";
import { type Direction, GraphModel, type ModelProps } from "../../model/graph-model.ts";
import type { CaseDef } from "../../types.ts";
import { runParameters, stepError } from "../model.ts";
import { clean, props, spiGraph } from "./helpers.ts";

const IDS = ["a", "b", "c", "e:f", "😀"];
const ETYPES = ["x", "y", "X"];

type GraphCommand =
  | {
      op: "upsertNodes";
      nodes: { id: string; type?: string | null; props: ModelProps }[];
      mode: "merge" | "replace";
    }
  | {
      op: "upsertEdges";
      edges: { from: string; type: string; to: string; props: ModelProps }[];
      mode: "merge" | "replace";
    }
  | { op: "deleteNodes"; ids: string[] }
  | { op: "deleteEdges"; refs: { from: string; type: string; to: string }[] }
  | { op: "getNodes"; ids: string[] }
  | { op: "getEdges"; refs: { from: string; type: string; to: string }[] }
  | { op: "neighbors"; ids: string[]; direction: Direction; types?: string[]; limit?: number }
  | { op: "listNodes"; limit: number; type?: string }
  | { op: "listEdges"; limit: number; type?: string }
  | { op: "graphs" };

function graphCommands(): fc.Arbitrary<GraphCommand[]> {
  const id = fc.constantFrom(...IDS);
  const etype = fc.constantFrom(...ETYPES);
  const p = fc.dictionary(fc.constantFrom("k", "l", "m"), fc.integer({ min: 0, max: 9 }), {
    maxKeys: 2,
  });
  const mode = fc.constantFrom("merge" as const, "replace" as const);
  const ref = fc.record({ from: id, type: etype, to: id });
  const refKey = (r: { from: string; type: string; to: string }) => `${r.from}\0${r.type}\0${r.to}`;
  const direction = fc.constantFrom<Direction>("out", "in", "both");
  return fc.array(
    fc.oneof(
      fc.record({
        op: fc.constant("upsertNodes" as const),
        nodes: fc.uniqueArray(
          fc.record({ id, type: fc.constantFrom(undefined, null, "P", "Q"), props: p }).map(clean),
          { minLength: 1, maxLength: 3, selector: (n) => n.id },
        ),
        mode,
      }),
      fc.record({
        op: fc.constant("upsertEdges" as const),
        edges: fc.uniqueArray(fc.record({ from: id, type: etype, to: id, props: p }), {
          minLength: 1,
          maxLength: 4,
          selector: refKey,
        }),
        mode,
      }),
      fc.record({
        op: fc.constant("deleteNodes" as const),
        ids: fc.uniqueArray(id, { minLength: 1, maxLength: 2 }),
      }),
      fc.record({
        op: fc.constant("deleteEdges" as const),
        refs: fc.uniqueArray(ref, { minLength: 1, maxLength: 3, selector: refKey }),
      }),
      fc.record({
        op: fc.constant("getNodes" as const),
        ids: fc.array(id, { minLength: 1, maxLength: 4 }),
      }),
      fc.record({
        op: fc.constant("getEdges" as const),
        refs: fc.array(ref, { minLength: 1, maxLength: 3 }),
      }),
      fc
        .record({
          op: fc.constant("neighbors" as const),
          ids: fc.uniqueArray(id, { minLength: 1, maxLength: 4 }),
          direction,
          types: fc.option(fc.uniqueArray(etype, { minLength: 1, maxLength: 2 }), {
            nil: undefined,
          }),
          limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        })
        .map(clean),
      fc
        .record({
          op: fc.constant("listNodes" as const),
          limit: fc.integer({ min: 1, max: 3 }),
          type: fc.option(fc.constantFrom("P", "Q"), { nil: undefined }),
        })
        .map(clean),
      fc
        .record({
          op: fc.constant("listEdges" as const),
          limit: fc.integer({ min: 1, max: 3 }),
          type: fc.option(etype, { nil: undefined }),
        })
        .map(clean),
      fc.constant({ op: "graphs" as const }),
    ),
    { minLength: 1, maxLength: 40, size: "max" },
  );
}

const nodeOut = (n: { id: string; type: string | null; props: string } | undefined) =>
  n && { id: n.id, type: n.type, props: JSON.parse(n.props) };
const edgeOut = (e: { from: string; type: string; to: string; props: string } | undefined) =>
  e && { from: e.from, type: e.type, to: e.to, props: JSON.parse(e.props) };
const edgeModelKey = (e: { from: string; type: string; to: string }) =>
  `${e.from}\u0000${e.type}\u0000${e.to}`;

async function graphStep(
  g: GraphDriver,
  name: string,
  m: GraphModel,
  c: GraphCommand,
): Promise<void> {
  switch (c.op) {
    case "upsertNodes":
      await g.upsertNodes(
        name,
        c.nodes.map((n) => ({
          id: n.id,
          ...(n.type === undefined ? {} : { type: n.type }),
          props: props(n.props),
        })),
        c.mode,
      );
      for (const n of c.nodes) m.upsertNode(n, c.mode);
      return;
    case "upsertEdges":
      await g.upsertEdges(
        name,
        c.edges.map((e) => ({ ...e, props: props(e.props) })),
        c.mode,
      );
      for (const e of c.edges) m.upsertEdge(e, c.mode);
      return;
    case "deleteNodes":
      expect(await g.deleteNodes(name, c.ids), "deleteNodes returns how many nodes existed").toBe(
        m.deleteNodes(c.ids),
      );
      return;
    case "deleteEdges":
      expect(await g.deleteEdges(name, c.refs), "deleteEdges returns how many edges existed").toBe(
        m.deleteEdges(c.refs),
      );
      return;
    case "getNodes":
      expect((await g.getNodes(name, c.ids)).map(nodeOut), "getNodes").toEqual(
        c.ids.map((id) => m.nodes.get(id)),
      );
      return;
    case "getEdges":
      expect((await g.getEdges(name, c.refs)).map(edgeOut), "getEdges").toEqual(
        c.refs.map((r) => m.edges.get(edgeModelKey(r))),
      );
      return;
    case "neighbors": {
      const query = {
        direction: c.direction,
        ...(c.types ? { types: c.types } : {}),
        ...(c.limit ? { limit: c.limit } : {}),
      };
      const want = c.ids.map((id) => m.incident(id, c.direction, c.types));
      expect(
        (await g.neighbors(name, c.ids, query)).map((l) => l.map(edgeOut)),
        "neighbors of a batch of ids, limit per id",
      ).toEqual(want.map((l) => l.slice(0, c.limit ?? l.length)));
      expect(await g.degree(name, c.ids, query), "degree (limit ignored)").toEqual(
        want.map((l) => l.length),
      );
      return;
    }
    case "listNodes": {
      const all = [...m.nodes.values()]
        .filter((n) => !c.type || n.type === c.type)
        .sort((a, b) => byteCompare(a.id, b.id));
      const got: unknown[] = [];
      let after: string | undefined;
      for (let page = 0; page < 50; page++) {
        const items = await g.listNodes(name, {
          limit: c.limit,
          ...(after === undefined ? {} : { after }),
          ...(c.type ? { type: c.type } : {}),
        });
        got.push(...items.map(nodeOut));
        if (items.length < c.limit) break;
        after = items[items.length - 1]?.id;
      }
      expect(got, "listNodes page by page").toEqual(all);
      expect(await g.stats(name), "stats").toEqual({ nodes: m.nodes.size, edges: m.edges.size });
      return;
    }
    case "listEdges": {
      const all = [...m.edges.values()]
        .filter((e) => !c.type || e.type === c.type)
        .sort(edgeCompare);
      const got: unknown[] = [];
      let after: { from: string; type: string; to: string } | undefined;
      for (let page = 0; page < 50; page++) {
        const items = await g.listEdges(name, {
          limit: c.limit,
          ...(after === undefined ? {} : { after }),
          ...(c.type ? { type: c.type } : {}),
        });
        got.push(...items.map(edgeOut));
        if (items.length < c.limit) break;
        const last = items[items.length - 1];
        after = last && { from: last.from, type: last.type, to: last.to };
      }
      expect(got, "listEdges page by page").toEqual(all);
      return;
    }
    case "graphs":
      expect(
        (await g.graphs()).includes(name),
        "graphs() lists the graph exactly when it holds a node",
      ).toBe(m.nodes.size > 0);
      return;
  }
}

export const spiModelGraphCase: CaseDef = {
  id: "graph",
  title:
    "random GraphDriver command sequences (batches of ids, per-id limits, paging) match the reference model",
  needs: ["graph"],
  timeoutMs: 180_000,
  async run(t) {
    const { g, name } = spiGraph(t);
    await fc.assert(
      fc.asyncProperty(graphCommands(), async (commands) => {
        await g.clear(name);
        const model = new GraphModel();
        for (const [i, command] of commands.entries()) {
          try {
            await graphStep(g, name, model, command);
          } catch (error) {
            throw stepError(i, command, error);
          }
        }
      }),
      runParameters(),
    );
  },
};
