import { describe, expect, it, vi } from "vitest";
import { ClosedError, StowageError, UnsupportedError, ValidationError, createStore, openStore, type Driver } from "../src/index.ts";
import { createMemoryDriver } from "@stowage/memory";

describe("openStore", () => {
  it("falls back to memory with one warning when there is no URL", async () => {
    const warn = vi.fn();
    const previous = process.env.STOWAGE_URL;
    delete process.env.STOWAGE_URL;
    try {
      const a = await openStore(undefined, { warn });
      const b = await openStore(undefined, { warn });
      expect(a.driverName).toBe("memory");
      expect(warn.mock.calls.length).toBeLessThanOrEqual(1);
      await a.close();
      await b.close();
    } finally {
      if (previous !== undefined) process.env.STOWAGE_URL = previous;
    }
  });

  it("shares memory://name datasets and says which package an unknown scheme needs", async () => {
    const a = await openStore("memory://shared-test");
    const b = await openStore("memory://shared-test");
    await a.kv("n").set("k", 1);
    expect(await b.kv("n").get("k")).toBe(1);
    await expect(openStore("mongodb://x")).rejects.toThrow(/no driver for URL scheme "mongodb:"/);
    await expect(openStore("not a url")).rejects.toThrow(ValidationError);
  });
});

describe("store over a driver", () => {
  it("wraps stray driver errors with the cause and redacts secrets", async () => {
    const inner = createMemoryDriver();
    const failing: Driver = {
      ...inner,
      kv: { ...inner.kv, getMany: async () => { throw new Error("boom at redis://u:hunter2@h"); } },
    };
    const store = createStore(failing);
    const error = (await store.kv("n").get("k").catch((e: unknown) => e)) as StowageError;
    expect(error).toBeInstanceOf(StowageError);
    expect(error.message).not.toContain("hunter2");
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("refuses what the driver does not declare", async () => {
    const inner = createMemoryDriver();
    const limited: Driver = { ...inner, graph: undefined, capabilities: { ...inner.capabilities, ttl: false, cas: false, graph: false } };
    const store = createStore(limited);
    expect(() => store.graph("g")).toThrow(UnsupportedError);
    await expect(store.kv("n").set("k", 1, { ttlMs: 10 })).rejects.toThrow(UnsupportedError);
    await expect(store.kv("n").set("k", 1, { ifVersion: 1 })).rejects.toThrow(UnsupportedError);
    await expect(store.kv("n").update("k", () => 1)).rejects.toThrow(UnsupportedError);
  });

  it("throws ClosedError after close, and close is idempotent", async () => {
    const store = createStore(createMemoryDriver());
    const kv = store.kv("n");
    await store.close();
    await store.close();
    await expect(kv.get("k")).rejects.toThrow(ClosedError);
    expect(() => store.kv("n")).toThrow(ClosedError);
  });

  it("caps maxValueBytes at the driver's limit", async () => {
    const inner = createMemoryDriver();
    const store = createStore({ ...inner, capabilities: { ...inner.capabilities, maxValueBytes: 100 } }, { maxValueBytes: 10_000 });
    await expect(store.kv("n").set("k", "x".repeat(200))).rejects.toThrow(/over the limit of 100 bytes/);
    expect(await store.kv("n").has("k")).toBe(false);
  });

  it("walks the graph with one neighbors call per depth level", async () => {
    const inner = createMemoryDriver();
    const graph = inner.graph!;
    const calls: number[] = [];
    const counted: Driver = { ...inner, graph: { ...graph, neighbors: (g, ids, q) => { calls.push(ids.length); return graph.neighbors(g, ids, q); } } };
    const store = createStore(counted);
    const g = store.graph("chain");
    // A binary tree of depth 4: 1 + 2 + 4 + 8 + 16 nodes.
    const edges = [];
    for (let i = 1; i < 16; i++) edges.push({ from: `n${i}`, type: "child", to: `n${2 * i}` }, { from: `n${i}`, type: "child", to: `n${2 * i + 1}` });
    await g.upsertEdges(edges);
    const result = await g.traverse("n1", { maxDepth: 4 });
    expect(result.nodes).toHaveLength(31);
    expect(calls).toEqual([1, 2, 4, 8]);
  });

  it("traverseFromNearest checks every option first, then uses the driver's one-call path when it has one", async () => {
    const inner = createMemoryDriver();
    const vectors = inner.vectors!;
    let queries = 0;
    const native: Array<{ k: number; type: string | undefined; query: unknown }> = [];
    const withNative: Driver = {
      ...inner,
      capabilities: { ...inner.capabilities, nativeTraversal: true },
      vectors: {
        ...vectors,
        query: (c, search) => { queries++; return vectors.query(c, search); },
        traverseFromNearest: async (_c, _graph, search, type, query) => {
          native.push({ k: search.k, type, query });
          return { seeds: [], traversal: { nodes: [], edges: [], truncated: false } };
        },
      },
    };
    const store = createStore(withNative);
    const collection = store.vectors("emb", { dims: 2, metric: "l2" });
    await collection.upsert([{ id: "a", vector: [0, 0] }]);
    const g = store.graph("g");
    await expect(g.traverseFromNearest([0, 0], { nearest: { k: 1, collection } } as never)).rejects.toThrow(ValidationError);
    await expect(g.traverseFromNearest([0, 0], { nearest: { k: 1, collection }, maxDepth: 1, direction: "sideways" } as never)).rejects.toThrow(ValidationError);
    await expect(g.traverseFromNearest([0, 0, 0], { nearest: { k: 1, collection }, maxDepth: 1 })).rejects.toThrow(ValidationError);
    expect(native).toEqual([]);
    const result = await g.traverseFromNearest([0, 0], { nearest: { k: 3, collection, type: "doc" }, maxDepth: 2, direction: "both" });
    expect(result).toEqual({ seeds: [], nodes: [], edges: [], truncated: false });
    expect(native).toEqual([{ k: 3, type: "doc", query: { maxDepth: 2, direction: "both", maxNodes: 10_000 } }]);
    expect(queries).toBe(0);

    // Without native traversal core runs nearest, then traverse, and never the one-call path.
    const plain = createStore({ ...withNative, capabilities: { ...inner.capabilities, nativeTraversal: false } });
    const pc = plain.vectors("emb", { dims: 2, metric: "l2" });
    const pg = plain.graph("g");
    await pg.upsertEdges([{ from: "a", type: "rel", to: "b" }]);
    const expanded = await pg.traverseFromNearest([0, 0], { nearest: { k: 1, collection: pc }, maxDepth: 1 });
    expect(expanded.seeds.map((s) => s.id)).toEqual(["a"]);
    expect(expanded.nodes.map((n) => [n.id, n.depth])).toEqual([["a", 0], ["b", 1]]);
    expect(native).toHaveLength(1);
  });
});
