// graph/native-paths: a driver's native path search (GraphDriver.findPaths) must return exactly
// what core's reference walk returns over the same driver's `neighbors`, on random small graphs
// with cycles, self-loops, parallel edges of several types and every direction. Without a
// native search core's walk is compared with itself, which passes.

import type { GraphDriver } from "@stowage/core";
import { findPaths, shortestPath } from "@stowage/core";
import fc from "fast-check";
import { expect } from "vitest";
import type { CaseDef } from "../types.ts";

const NODES = ["a", "b", "c", "d", "e", "f", "g", "h"];
const TYPES = ["p", "q", "r"];

const edgeArb = fc.record({
  from: fc.constantFrom(...NODES),
  type: fc.constantFrom(...TYPES),
  to: fc.constantFrom(...NODES),
  w: fc.integer({ min: 0, max: 9 }),
});

const queryArb = fc.record({
  from: fc.constantFrom(...NODES, "missing"),
  to: fc.constantFrom(...NODES, "missing"),
  maxDepth: fc.integer({ min: 0, max: 5 }),
  maxPaths: fc.integer({ min: 1, max: 12 }),
  direction: fc.constantFrom("out" as const, "in" as const, "both" as const),
  types: fc.option(fc.subarray(TYPES, { minLength: 1 }), { nil: undefined }),
});

/** Core's walk over the driver's own `neighbors` and `getNodes`: no native search. */
function reference(g: GraphDriver): GraphDriver {
  return { getNodes: g.getNodes.bind(g), neighbors: g.neighbors.bind(g) } as unknown as GraphDriver;
}

export const graphNativePaths: CaseDef[] = [
  {
    id: "native-equals-core",
    title:
      "findPaths and shortestPath equal core's reference walk on random graphs (the driver's native search when it has one)",
    needs: ["graph"],
    timeoutMs: 60_000,
    async run(t) {
      const driverGraph = t.driver.graph as GraphDriver;
      const ref = reference(driverGraph);
      const name = t.freshName("graph");
      const g = t.store.graph(name);
      const runs = Number(process.env.STOWAGE_KIT_MODEL_RUNS ?? 15);
      await fc.assert(
        fc.asyncProperty(
          fc.array(edgeArb, { maxLength: 24 }),
          fc.array(queryArb, { minLength: 1, maxLength: 6 }),
          async (edges, queries) => {
            await g.clear();
            if (edges.length > 0) {
              await g.upsertEdges(
                edges.map((e) => ({ from: e.from, type: e.type, to: e.to, props: { w: e.w } })),
              );
            }
            for (const q of queries) {
              const options = {
                maxDepth: q.maxDepth,
                maxPaths: q.maxPaths,
                direction: q.direction,
                ...(q.types ? { types: q.types } : {}),
              };
              expect(await findPaths(driverGraph, name, q.from, q.to, options)).toEqual(
                await findPaths(ref, name, q.from, q.to, options),
              );
              expect(await shortestPath(driverGraph, name, q.from, q.to, options)).toEqual(
                await shortestPath(ref, name, q.from, q.to, options),
              );
            }
          },
        ),
        {
          numRuns: Number.isInteger(runs) && runs > 0 ? runs : 15,
          interruptAfterTimeLimit: 40_000,
        },
      );
    },
  },
];
