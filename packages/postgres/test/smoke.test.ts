import { createStore } from "@stowage/core";
import { afterAll, expect, test } from "vitest";
import { createPostgresDriver } from "../src/index.ts";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";

const schema = uniqueSchema("smoke");
const store = createStore(createPostgresDriver({ url: postgresUrl(), schema, max: 4 }));
afterAll(async () => {
  await store.close();
  await dropSchema(schema);
});

test("smoke", async () => {
  const kv = store.kv<unknown>("ns1");
  expect(await kv.set("a", { x: 1 })).toBe(1);
  expect(await kv.set("a", { x: 2 })).toBe(2);
  expect(await kv.get("a")).toEqual({ x: 2 });
  await expect(kv.set("a", 3, { ifVersion: 1 })).rejects.toThrow(/version condition/);
  expect(await kv.set("a", 3, { ifVersion: 2 })).toBe(3);
  await expect(kv.set("a", 3, { ifAbsent: true })).rejects.toThrow();
  expect(await kv.set("b", 3, { ifAbsent: true })).toBe(1);
  expect((await kv.list({ prefix: "" })).items).toEqual(["a", "b"]);
  expect(await kv.count()).toBe(2);
  expect(await kv.delete("a")).toBe(true);
  expect(await store.namespaces()).toEqual(["ns1"]);
  const g = store.graph("g1");
  await g.upsertEdges([
    { from: "a", type: "knows", to: "b" },
    { from: "b", type: "knows", to: "c" },
    { from: "c", type: "knows", to: "a" },
  ]);
  await g.upsertNode({ id: "a", type: "person", props: { name: "A" } });
  const r = await g.traverse("a", { maxDepth: 2, direction: "both" });
  expect(r.nodes.map((n) => [n.id, n.depth])).toEqual([
    ["a", 0],
    ["b", 1],
    ["c", 1],
  ]);
  expect(r.edges.length).toBe(3);
  expect(await g.neighbors("a", { direction: "both" })).toHaveLength(2);
  expect(await g.stats()).toEqual({ nodes: 3, edges: 3 });
  expect(await g.deleteNode("a")).toBe(true);
  expect(await g.stats()).toEqual({ nodes: 2, edges: 1 });
  expect(await store.graphs()).toEqual(["g1"]);
});
