// The approximate path (option vectorIndex): libsql_vector_idx + vector_top_k on a collection
// above the exact threshold. Low-dimensional data, where the index is accurate and quick to build;
// recall at 10k x 384 is the kit's `vector/recall` case (test/conformance-vectors.test.ts).
import { bruteForceTopK, createStore } from "@stowage/core";
import { describe, expect, it } from "vitest";
import { createLibsqlDriver } from "../src/index.ts";
import { EXACT_BELOW } from "../src/vectors.ts";
import { tempDbUrl } from "./helpers.ts";

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

describe("libsql vectorIndex", () => {
  it("answers non-exact queries from the index with high recall, and exact ones exactly", async () => {
    const store = createStore(
      createLibsqlDriver({ url: tempDbUrl("vi.db").url, vectorIndex: true }),
    );
    expect(store.capabilities.approximateVectors).toBe(true);
    const rnd = random(7);
    const items = Array.from({ length: EXACT_BELOW + 200 }, (_, i) => ({
      id: `v${String(i).padStart(5, "0")}`,
      vector: Float32Array.from({ length: 4 }, () => rnd() * 2 - 1),
    }));
    const c = store.vectors("docs", { dims: 4, metric: "cosine" });
    await c.upsert(items);
    let hits = 0;
    for (let q = 0; q < 10; q++) {
      const query = Float32Array.from({ length: 4 }, () => rnd() * 2 - 1);
      const exact = bruteForceTopK("cosine", query, items, 10);
      const approx = await c.query(query, { k: 10 });
      expect(approx.length).toBe(10);
      for (let i = 1; i < approx.length; i++)
        expect(approx[i - 1]!.score).toBeGreaterThanOrEqual(approx[i]!.score);
      const ids = new Set(exact.map((h) => h.id));
      hits += approx.filter((h) => ids.has(h.id)).length;
      expect((await c.query(query, { k: 10, exact: true })).map((h) => h.id)).toEqual(
        exact.map((h) => h.id),
      );
    }
    expect(hits / 100).toBeGreaterThanOrEqual(0.9);
    await store.close();
  }, 120_000);
});

describe("libsql vectorIndex and clear()", () => {
  it("clear() removes the index's rows too, so later inserts work (libSQL's truncate shortcut does not)", async () => {
    const store = createStore(
      createLibsqlDriver({ url: tempDbUrl("vc.db").url, vectorIndex: true }),
    );
    const c = store.vectors("docs", { dims: 2, metric: "l2" });
    await c.upsert([
      { id: "a", vector: [1, 2] },
      { id: "b", vector: [0, 0] },
    ]);
    await c.clear();
    await c.upsert([
      { id: "a", vector: [0, 0] },
      { id: "c", vector: [1, 1] },
    ]);
    expect((await c.query([0, 0], { k: 5 })).map((h) => h.id)).toEqual(["a", "c"]);
    await store.close();
  });
});
