// The native traversal (one recursive query) against core's walk over neighbors(), on random
// graphs with cycles, self-loops, parallel edges of several types and maxNodes cuts.
import { createStore, traverse } from "@stowage/core";
import type { GraphDriver, TraverseOptions } from "@stowage/core";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresDriver } from "../src/index.ts";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";

const schema = uniqueSchema("trav");
const driver = createPostgresDriver({ url: postgresUrl(), schema, max: 4 });
const store = createStore(driver);
const g = driver.graph as GraphDriver;

afterAll(async () => {
  await store.close();
  await dropSchema(schema);
});

/** A small deterministic PRNG (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many compared results were cut at maxNodes, and had edges: the cases must cover both. */
const seen = { truncated: 0, withEdges: 0, compared: 0 };

const IDS = ["a", "b", "B", "c", "é", "d", "😀", "e", "f", "g", "h", "i"];
const TYPES = ["x", "y", "z"];

describe("native traverse equals core's", () => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`random graph ${seed}`, async () => {
      const rnd = random(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
      const name = `g${seed}`;
      const nodeCount = 2 + Math.floor(rnd() * (IDS.length - 1));
      const ids = IDS.slice(0, nodeCount);
      const edgeCount = Math.floor(rnd() * nodeCount * 2.5);
      const edges = Array.from({ length: edgeCount }, () => ({
        from: pick(ids),
        type: pick(TYPES),
        to: pick(ids),
        props: { w: rnd() },
      }));
      await store.graph(name).upsertNodes(ids.map((id) => ({ id, props: { n: id } })));
      await store.graph(name).upsertEdges(edges);
      for (let q = 0; q < 30; q++) {
        const seeds = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () =>
          rnd() < 0.1 ? "missing" : pick(ids),
        );
        const options: TraverseOptions = {
          maxDepth: Math.floor(rnd() * 5),
          direction: pick(["out", "in", "both"] as const),
          maxNodes: 1 + Math.floor(rnd() * (nodeCount + 1)),
          ...(rnd() < 0.3 ? { types: [pick(TYPES), pick(TYPES)] } : {}),
        };
        const native = await traverse(g, name, seeds, options, true);
        const walked = await traverse(g, name, seeds, options, false);
        seen.compared++;
        if (walked.truncated) seen.truncated++;
        if (walked.edges.length > 0) seen.withEdges++;
        expect(
          native,
          `seed ${seed}, query ${q}: ${JSON.stringify({ seeds, ...options })}`,
        ).toEqual(walked);
      }
    });
  }

  it("covered cuts and edges", () => {
    expect(seen.compared).toBe(25 * 30);
    expect(seen.truncated).toBeGreaterThan(50);
    expect(seen.withEdges).toBeGreaterThan(100);
  });
});
