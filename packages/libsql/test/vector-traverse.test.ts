// graph.traverseFromNearest with native traversal is ONE statement (the nearest-nodes CTE seeds
// traverse.ts's walk), and equals nearest + traverse; on a near-tie between libSQL's float32
// order and core's float64 order it walks again from core's seeds. The kit checks the semantics
// on random graphs (vector/traverse-from-nearest-property); this counts the statements.
import { type Client, createClient } from "@libsql/client";
import { createStore } from "@stowage/core";
import { afterAll, describe, expect, it } from "vitest";
import { createLibsqlDriver } from "../src/index.ts";

/** A client whose `execute` calls are counted. */
function countingClient(): { client: Client; count: () => number; reset: () => void } {
  const client = createClient({ url: ":memory:" });
  let n = 0;
  const execute = client.execute.bind(client);
  client.execute = ((stmt: never) => {
    n++;
    return execute(stmt);
  }) as Client["execute"];
  return { client, count: () => n, reset: () => (n = 0) };
}

describe("libsql traverseFromNearest", () => {
  const { client, count, reset } = countingClient();
  afterAll(() => client.close());

  it("is one statement with native traversal and equals nearest then traverse", async () => {
    const store = createStore(createLibsqlDriver({ client, nativeTraversal: true }));
    const g = store.graph("kg");
    const c = store.vectors("entities", { dims: 3, metric: "cosine" });
    await g.upsertNodes([
      { id: "ada", type: "person", props: { born: 1815 } },
      { id: "babbage", type: "person" },
      { id: "engine", type: "machine" },
    ]);
    await g.upsertEdges([
      { from: "ada", type: "wrote", to: "notes" },
      { from: "babbage", type: "built", to: "engine" },
      { from: "notes", type: "about", to: "engine" },
    ]);
    await c.upsert([
      { id: "ada", vector: [1, 0.1, 0], metadata: { n: 1 } },
      { id: "babbage", vector: [0.9, 0.5, 0] },
      { id: "engine", vector: [0, 0, 1] },
      { id: "stray", vector: [1, 0, 0] },
    ]);
    const options = { nearest: { k: 2, collection: c, type: "person" }, maxDepth: 2 } as const;
    await g.traverseFromNearest([1, 0, 0], options);
    reset();
    const result = await g.traverseFromNearest([1, 0, 0], options);
    expect(count()).toBe(1);

    const seeds = await g.nearest([1, 0, 0], options.nearest);
    expect(result.seeds).toEqual(seeds);
    expect(seeds.map((s) => s.id)).toEqual(["ada", "babbage"]);
    const plain = await g.traverse(["ada", "babbage"], { maxDepth: 2 });
    expect({ nodes: result.nodes, edges: result.edges, truncated: result.truncated }).toEqual(
      plain,
    );
    expect(result.nodes.map((n) => `${n.id}@${n.depth}`)).toEqual([
      "ada@0",
      "babbage@0",
      "engine@1",
      "notes@1",
    ]);
    await store.close();
  });

  it("gives the same seeds as nearest when float32 and float64 orders disagree (near-ties)", async () => {
    const store = createStore(createLibsqlDriver({ client, nativeTraversal: true }));
    const g = store.graph("ties");
    const c = store.vectors("ties", { dims: 2, metric: "cosine" });
    // Same direction, different lengths: equal cosine up to rounding, ties broken by id in core.
    const items = Array.from({ length: 40 }, (_, i) => ({
      id: `n${String(i).padStart(2, "0")}`,
      vector: [1 + i * 0.37, 1 + i * 0.37],
    }));
    await c.upsert(items);
    await g.upsertEdges(items.map((item, i) => ({ from: item.id, type: "next", to: `leaf${i}` })));
    const statements: number[] = [];
    for (const k of [1, 3, 7]) {
      const options = { nearest: { k, collection: c }, maxDepth: 1 };
      reset();
      const result = await g.traverseFromNearest([2, 2], options);
      statements.push(count());
      const seeds = await g.nearest([2, 2], options.nearest);
      expect(result.seeds).toEqual(seeds);
      const plain = await g.traverse(
        seeds.map((s) => s.id),
        { maxDepth: 1 },
      );
      expect({ nodes: result.nodes, edges: result.edges, truncated: result.truncated }).toEqual(
        plain,
      );
    }
    // These ties do split the two orders: the second statement (walk from core's seeds) ran.
    expect(statements).toContain(2);
    await store.close();
  });
});
