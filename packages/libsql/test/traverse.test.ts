// Native traversal (one recursive CTE) against core's reference walk over `neighbors`, on random
// graphs with cycles, self-loops, parallel edges of several types and dense regions.

import { traverse, type Direction, type Driver } from "@stowage/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom as rng } from "@stowage/conformance";
import { createLibsqlDriver } from "../src/index.ts";
import { PLAIN_MAX_DEPTH, plainWalkCap } from "../src/traverse.ts";
import { tempDbUrl } from "./helpers.ts";

let driver: Driver;

beforeAll(() => {
  driver = createLibsqlDriver({ url: tempDbUrl().url });
});

afterAll(async () => {
  await driver.close();
});

const ids = ["a", "B", "b", "c", "é", "Z", "z9", "n%", "n_", "😀", "\uffff", "x y"];

async function randomGraph(name: string, seed: number): Promise<void> {
  const random = rng(seed);
  const g = driver.graph as NonNullable<Driver["graph"]>;
  const nodeCount = 2 + Math.floor(random() * ids.length - 1);
  const nodes = ids.slice(0, nodeCount);
  await g.upsertNodes(
    name,
    nodes.map((id) => ({ id, type: random() < 0.5 ? "t" : null, props: JSON.stringify({ id }) })),
    "replace",
  );
  const edgeCount = Math.floor(random() * nodeCount * 3);
  const edges = new Map<string, { from: string; type: string; to: string; props: string }>();
  for (let i = 0; i < edgeCount; i++) {
    const from = nodes[Math.floor(random() * nodeCount)] as string;
    const to = random() < 0.1 ? from : (nodes[Math.floor(random() * nodeCount)] as string);
    const type = random() < 0.6 ? "knows" : "cites";
    edges.set(`${from}|${type}|${to}`, { from, type, to, props: JSON.stringify({ i }) });
  }
  if (edges.size > 0) await g.upsertEdges(name, [...edges.values()], "replace");
}

describe("native traverse matches core's walk", () => {
  const directions: Direction[] = ["out", "in", "both"];
  for (let seed = 1; seed <= 40; seed++) {
    it(`random graph #${seed}`, async () => {
      const name = `trav-${seed}`;
      await randomGraph(name, seed);
      const g = driver.graph as NonNullable<Driver["graph"]>;
      const random = rng(seed * 7919);
      for (let round = 0; round < 12; round++) {
        const seeds = ids.filter(() => random() < 0.2);
        if (random() < 0.3) seeds.push("missing");
        const options = {
          // Up to PLAIN_MAX_DEPTH the plain walk answers (or hands over past maxNodes); deeper,
          // the level walk.
          maxDepth: Math.floor(random() * (PLAIN_MAX_DEPTH + 3)),
          direction: directions[Math.floor(random() * 3)] as Direction,
          ...(random() < 0.3 ? { types: random() < 0.5 ? ["knows"] : ["cites", "knows"] } : {}),
          ...(random() < 0.5 ? { maxNodes: 1 + Math.floor(random() * 6) } : {}),
        };
        const native = await traverse(g, name, seeds, options, true);
        const reference = await traverse(g, name, seeds, options, false);
        expect(native, JSON.stringify({ seeds, options })).toEqual(reference);
      }
    });
  }

  it("expands each node once on a dense graph (a clique, deep bound)", async () => {
    const g = driver.graph as NonNullable<Driver["graph"]>;
    const n = 150;
    const nodes = Array.from({ length: n }, (_, i) => `k${String(i).padStart(3, "0")}`);
    const edges = nodes.flatMap((from) =>
      nodes.filter((to) => to !== from).map((to) => ({ from, type: "e", to, props: "{}" })),
    );
    await g.upsertEdges("clique", edges, "replace");
    // A walk over (node, depth) rows would hold 150 * 150 * 1000 rows; the level walk holds 150.
    const result = await traverse(
      g,
      "clique",
      ["k000"],
      { maxDepth: 1000, direction: "both" },
      true,
    );
    expect(result.nodes).toHaveLength(n);
    expect(result.edges).toHaveLength(n * (n - 1));
    expect(result.truncated).toBe(false);
  });

  it("hands over to the level walk when the plain walk passes its row cap", async () => {
    const g = driver.graph as NonNullable<Driver["graph"]>;
    // Every node of a clique is reached at every depth: 1 + 209 × 5 (node, depth) rows, past the
    // cap of max(1000, 4 × maxNodes), while the 210 nodes fit in maxNodes.
    const n = 210;
    const nodes = Array.from({ length: n }, (_, i) => `q${String(i).padStart(3, "0")}`);
    const edges = nodes.flatMap((from) =>
      nodes.filter((to) => to !== from).map((to) => ({ from, type: "e", to, props: "{}" })),
    );
    await g.upsertEdges("clique-cap", edges, "replace");
    const query = { maxDepth: PLAIN_MAX_DEPTH, direction: "out" as const, maxNodes: n };
    expect(1 + (n - 1) * PLAIN_MAX_DEPTH).toBeGreaterThanOrEqual(
      plainWalkCap({ ...query, maxNodes: n }),
    );
    const native = await traverse(g, "clique-cap", ["q000"], query, true);
    expect(native).toEqual(await traverse(g, "clique-cap", ["q000"], query, false));
    expect(native.nodes).toHaveLength(n);
    expect(native.edges).toHaveLength(n * (n - 1));
  });
});
