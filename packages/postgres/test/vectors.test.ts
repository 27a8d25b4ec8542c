// The vector part against a real server: the one-statement upsert keeps every float32 bit, the
// one-statement traverseFromNearest equals nearest + traverse, and the pgvector path (option
// vectorIndex: "hnsw") in databases of their own, with and without the extension.
import {
  bruteForceTopK,
  compareUtf8,
  createStore,
  UnsupportedError,
  ValidationError,
} from "@stowage/core";
import type { Store } from "@stowage/core";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { copyIn } from "../src/copy.ts";
import { seededRandom as random } from "@stowage/conformance";
import { createPostgresDriver } from "../src/index.ts";
import { hnswTableName } from "../src/pgvector.ts";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";
import { createDatabase, type TestDatabase } from "./pgvector-db.ts";

function vectors(n: number, dims: number, seed: number): Float32Array[] {
  const rnd = random(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dims }, () => rnd() * 2 - 1));
}

const items = (vs: Float32Array[]) =>
  vs.map((vector, i) => ({ id: `v${String(i).padStart(5, "0")}`, vector, metadata: { i } }));

const bits = (v: Float32Array | undefined) =>
  v && Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");

const schema = uniqueSchema("vec");
const store = createStore(createPostgresDriver({ url: postgresUrl(), schema, max: 4 }));
const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  await store.close();
  await dropSchema(schema);
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("upsert", () => {
  it("keeps every float32 bit (-0, subnormals, extremes) in large (COPY) and small batches", async () => {
    const c = store.vectors("bits", { dims: 5, metric: "l2" });
    const odd = new Float32Array([-0, 1e-45, -3.4028234663852886e38, 1.1754942e-38, 0.1]);
    const batch = [...items(vectors(2000, 5, 1)), { id: "odd", vector: odd, metadata: { i: -1 } }];
    await c.upsert(batch);
    const got = await c.get(batch.map((b) => b.id));
    expect(got.map((r) => bits(r?.vector))).toEqual(batch.map((b) => bits(b.vector)));
    expect(got.map((r) => r?.metadata)).toEqual(batch.map((b) => b.metadata));
    // Replacing in another order keeps each id's own vector.
    const again = batch.map((b, i) => ({
      ...b,
      vector: (batch[(i + 1) % batch.length] as typeof b).vector,
    }));
    await c.upsert([...again].reverse());
    const replaced = await c.get(again.map((b) => b.id));
    expect(replaced.map((r) => bits(r?.vector))).toEqual(again.map((b) => bits(b.vector)));
    expect(await c.count()).toBe(batch.length);
    // A small batch takes the other path (literals in one statement): the same bits.
    const small = [{ id: "small", vector: new Float32Array([1e-45, -0, 0.1, -2.5, 3e38]) }];
    await c.upsert(small);
    expect(bits((await c.get(["small"]))[0]?.vector)).toBe(bits(small[0]?.vector));
  });

  it("a COPY the server refuses rejects (postgres.js would otherwise wait forever)", async () => {
    const sql = postgres(postgresUrl(), { max: 1, onnotice: () => {} });
    try {
      const attempt = sql.begin(async (tx) => {
        await tx`CREATE TEMPORARY TABLE copy_refused (o int4) ON COMMIT DROP`;
        await copyIn(
          tx as unknown as typeof sql,
          (q) => q,
          "COPY copy_refused FROM STDIN (FORMAT binary)",
          new Uint8Array([1, 2, 3]),
        );
      });
      await expect(attempt).rejects.toThrow(/COPY|signature|binary/i);
    } finally {
      await sql.end();
    }
  });
});

describe("traverseFromNearest", () => {
  for (let seed = 1; seed <= 8; seed++) {
    it(`equals nearest then traverse (random graph ${seed})`, async () => {
      const rnd = random(seed);
      const g = store.graph(`tfn${seed}`);
      const c = store.vectors(`tfn${seed}`, { dims: 4, metric: seed % 2 ? "cosine" : "l2" });
      const ids = Array.from({ length: 30 }, (_, i) => `n${i}${i % 7 === 0 ? "é" : ""}`);
      // Every vector but a few is a node; types x / y; random edges (cycles, self-loops).
      await c.upsert(
        ids.map((id, i) => ({ id, vector: vectors(1, 4, seed * 100 + i)[0] as Float32Array })),
      );
      await g.upsertNodes(
        ids
          .filter((_, i) => i % 5 !== 4)
          .map((id, i) => ({ id, type: i % 2 ? "x" : "y", props: { i } })),
      );
      const pick = () => ids[Math.floor(rnd() * ids.length)] as string;
      await g.upsertEdges(
        Array.from({ length: 60 }, () => ({
          from: pick(),
          type: rnd() < 0.5 ? "r" : "s",
          to: pick(),
        })),
      );
      const query = vectors(1, 4, seed + 999)[0] as Float32Array;
      for (const options of [
        { nearest: { k: 3, collection: c }, maxDepth: 2 },
        { nearest: { k: 5, collection: c, type: "x" }, maxDepth: 1, direction: "in" as const },
        { nearest: { k: 4, collection: c, filter: { i: { $gte: 10 } } }, maxDepth: 2, maxNodes: 6 },
        { nearest: { k: 2, collection: c, type: "none" }, maxDepth: 3 },
        { nearest: { k: 6, collection: c, includeVectors: true }, types: ["r"], maxDepth: 2 },
      ]) {
        const one = await g.traverseFromNearest(query, options);
        const seeds = await g.nearest(query, options.nearest);
        const { nearest: _, ...traverse } = options;
        const plain =
          seeds.length === 0
            ? { nodes: [], edges: [], truncated: false }
            : await g.traverse(seeds.map((s) => s.id).sort(compareUtf8), traverse);
        expect(one.seeds).toEqual(seeds);
        expect({ nodes: one.nodes, edges: one.edges, truncated: one.truncated }).toEqual(plain);
      }
    });
  }
});

describe("vectorIndex option", () => {
  it("is checked when the driver is made; opening does not connect", async () => {
    expect(() =>
      createPostgresDriver({ url: postgresUrl(), vectorIndex: "ivfflat" as "hnsw" }),
    ).toThrow(ValidationError);
    const unreachable = createPostgresDriver({
      url: "postgres://nobody@127.0.0.1:1/none",
      vectorIndex: "hnsw",
    });
    expect(unreachable.capabilities.approximateVectors).toBe(true);
    await unreachable.close();
    const plain = createPostgresDriver({ url: postgresUrl(), schema });
    expect(plain.capabilities.approximateVectors).toBe(false);
    await plain.close();
  });

  it("fails at the first vector call with UnsupportedError in a database without pgvector", async () => {
    const db = await createDatabase("stowage_vec_plain", false);
    if ("skip" in db) throw new Error(db.skip);
    cleanups.push(() => db.drop());
    const s = createStore(createPostgresDriver({ url: db.url, vectorIndex: "hnsw", max: 2 }));
    try {
      const c = s.vectors("v", { dims: 2, metric: "l2" });
      await expect(c.upsert([{ id: "a", vector: [1, 2] }])).rejects.toBeInstanceOf(
        UnsupportedError,
      );
      await expect(c.query([1, 2], { k: 1 })).rejects.toThrow(/pgvector/);
      // KV and graphs are unaffected.
      await s.kv("ns").set("k", 1);
      expect(await s.kv("ns").get("k")).toBe(1);
    } finally {
      await s.close();
    }
  });
});

describe("pgvector (vectorIndex: hnsw)", async () => {
  const db = await createDatabase("stowage_vec_hnsw", true);
  if ("skip" in db) {
    it.skip(db.skip, () => {});
    return;
  }
  cleanups.push(() => (db as TestDatabase).drop());
  const open = (vectorIndex?: "hnsw"): Store =>
    createStore(createPostgresDriver({ url: db.url, schema: "v", max: 2, vectorIndex }));
  const s = open("hnsw");
  cleanups.push(() => s.close());
  const admin = postgres(db.url, { max: 1, onnotice: () => {} });
  cleanups.push(() => admin.end());
  const indexScans = async (collection: string) => {
    const [row] = await admin`SELECT coalesce(sum(idx_scan), 0)::int AS n FROM pg_stat_user_indexes
      WHERE schemaname = 'v' AND relname = ${hnswTableName(collection)} AND indexrelname <> ${`${hnswTableName(collection)}_pkey`}`;
    return Number(row?.n);
  };

  it("answers from the HNSW index, k past pgvector's default ef_search, in core's order", {
    timeout: 60_000,
  }, async () => {
    const c = s.vectors("big", { dims: 16, metric: "cosine" });
    const data = items(vectors(600, 16, 7));
    await c.upsert(data);
    const [query] = vectors(1, 16, 8) as [Float32Array];
    const before = await indexScans("big");
    const got = await c.query(query, { k: 200 });
    // A backend flushes its statistics when idle, within 10 s (PostgreSQL 15): wait for them.
    let after = await indexScans("big");
    for (let i = 0; i < 150 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await indexScans("big");
    }
    expect(after).toBeGreaterThan(before);
    expect(got.length).toBe(200); // the index returns at most ef_search rows: set per query
    const exact = bruteForceTopK("cosine", query, data, 200);
    const hits = got.filter((h) => exact.some((e) => e.id === h.id)).length;
    expect(hits / 200).toBeGreaterThanOrEqual(0.95);
    for (let i = 1; i < got.length; i++) {
      const [a, b] = [got[i - 1], got[i]] as [(typeof got)[0], (typeof got)[0]];
      expect(a.score > b.score || (a.score === b.score && compareUtf8(a.id, b.id) < 0)).toBe(true);
    }
  });

  it("keeps exact: true and filtered queries exact", async () => {
    const c = s.vectors("exact", { dims: 8, metric: "dot" });
    const data = items(vectors(300, 8, 9));
    await c.upsert(data);
    const [query] = vectors(1, 8, 10) as [Float32Array];
    const want = bruteForceTopK("dot", query, data, 25);
    expect((await c.query(query, { k: 25, exact: true })).map((h) => h.id)).toEqual(
      want.map((h) => h.id),
    );
    const filtered = bruteForceTopK("dot", query, data, 10, (r) => r.metadata.i >= 150);
    expect(
      (await c.query(query, { k: 10, filter: { i: { $gte: 150 } } })).map((h) => h.id),
    ).toEqual(filtered.map((h) => h.id));
  });

  it("backfills a collection written without the option; delete, clear and drop reach the index table", async () => {
    const plain = open();
    cleanups.push(() => plain.close());
    const before = plain.vectors("mixed", { dims: 3, metric: "l2" });
    await before.upsert(items(vectors(50, 3, 11)));
    const c = s.vectors("mixed", { dims: 3, metric: "l2" });
    const target = (await before.get(["v00007"]))[0]?.vector as Float32Array;
    expect((await c.query(target, { k: 1 }))[0]?.id).toBe("v00007");
    expect(await c.delete(["v00007"])).toBe(1);
    expect((await c.query(target, { k: 1 }))[0]?.id).not.toBe("v00007");
    const [rows] =
      await admin`SELECT count(*)::int AS n FROM ${admin("v")}.${admin(hnswTableName("mixed"))}`;
    expect(rows?.n).toBe(49);
    await c.clear();
    expect(await c.query(target, { k: 3 })).toEqual([]);
    expect(await c.drop()).toBe(true);
    const [gone] = await admin`SELECT to_regclass(${`v.${hnswTableName("mixed")}`}) AS t`;
    expect(gone?.t).toBeNull();
    // Made again with other dims: a new index table of the new dims.
    const again = s.vectors("mixed", { dims: 2, metric: "cosine" });
    await again.upsert([
      { id: "x", vector: [1, 0] },
      { id: "y", vector: [0, 1] },
    ]);
    expect((await again.query([1, 0.1], { k: 1 }))[0]?.id).toBe("x");
  });
});
