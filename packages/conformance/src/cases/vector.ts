// vector: collections, exact search against core's brute-force reference, the portable filter
// language, bad input, isolation, close, and graph + vector retrieval.

import {
  bruteForceTopK,
  checkFilter,
  createStore,
  exportRecords,
  formatRecord,
  importRecords,
  parseRecord,
} from "@stowage/core";
import type { ExportRecord, VectorFilter, VectorMetric } from "@stowage/core";
import { expect } from "vitest";
import { collect, expectError } from "../assert.ts";
import type { CaseDef } from "../types.ts";
import { expectTopK, freshVectors, randomItems, randomVectors, type Meta } from "../vector-data.ts";
import { vectorGraphCases } from "./vector-graph.ts";

const needs = ["vectors"] as const;

function exactCase(metric: VectorMetric): CaseDef {
  return {
    id: `exact-${metric}`,
    title: `vector exact ${metric} search equals the brute-force reference on random data`,
    needs,
    async run(t) {
      const c = freshVectors<Meta>(t, { dims: 24, metric });
      const items = randomItems(400, 24, 7);
      await c.upsert(items);
      for (const query of randomVectors(5, 24, 99)) {
        expectTopK(await c.query(query, { k: 10, exact: true }), metric, query, items, 10);
      }
      const [query] = randomVectors(1, 24, 5) as [Float32Array];
      expectTopK(await c.query(query, { k: 400, exact: true }), metric, query, items, 400);
    },
  };
}

function filterCase(id: string, title: string, filters: VectorFilter[]): CaseDef {
  return {
    id,
    title: `vector filter: ${title}`,
    needs,
    async run(t) {
      const c = freshVectors<Meta>(t, { dims: 8, metric: "l2" });
      const items = randomItems(200, 8, 11);
      await c.upsert(items);
      const [query] = randomVectors(1, 8, 12) as [Float32Array];
      for (const filter of filters) {
        const got = await c.query(query, { k: 25, filter, exact: true });
        expectTopK(got, "l2", query, items, 25, checkFilter(filter));
      }
    },
  };
}

export const vectorCases: CaseDef[] = [
  {
    id: "capabilities",
    title: "vector capability: a driver declaring vectors provides driver.vectors",
    needs,
    async run(t) {
      expect(typeof t.driver.vectors?.query).toBe("function");
      expect(
        typeof t.capabilities.approximateVectors === "boolean" ||
          t.capabilities.approximateVectors === undefined,
      ).toBe(true);
    },
  },
  {
    id: "unsupported",
    title: "vector collections on a driver without them throw UnsupportedError",
    without: "vectors",
    async run(t) {
      await expectError(() => t.store.vectors("x", { dims: 3, metric: "l2" }), "UNSUPPORTED");
    },
  },
  {
    id: "roundtrip",
    title: "vector upsert/get round-trips float32 components and metadata, in input order",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 3, metric: "l2" });
      await c.upsert([
        {
          id: "a",
          vector: [0.1, -2.5, 1e-30],
          metadata: { tag: "x", n: 1, nested: { deep: [1, "two"] }, when: new Date(5) },
        },
        { id: "b 😀 {x}", vector: new Float32Array([3.4028234663852886e38, -0, 1e-45]) },
      ]);
      const [a, missing, b, again] = await c.get(["a", "nope", "b 😀 {x}", "a"]);
      expect(missing).toBeUndefined();
      expect(a?.vector).toBeInstanceOf(Float32Array);
      expect([...(a?.vector ?? [])]).toEqual([Math.fround(0.1), -2.5, Math.fround(1e-30)]);
      expect(a?.metadata).toEqual({
        tag: "x",
        n: 1,
        nested: { deep: [1, "two"] },
        when: new Date(5),
      });
      expect([...(b?.vector ?? [])]).toEqual([3.4028234663852886e38, -0, Math.fround(1e-45)]);
      expect(Object.is(b?.vector[1], -0), "the sign of zero is kept").toBe(true);
      expect(b?.metadata).toEqual({});
      expect(again?.id).toBe("a");
      expect(await c.count()).toBe(2);
    },
  },
  {
    id: "replace",
    title: "vector upsert of an existing id replaces its vector and metadata whole",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 2, metric: "dot" });
      await c.upsert([{ id: "a", vector: [1, 2], metadata: { x: 1, y: 2 } }]);
      await c.upsert([{ id: "a", vector: [3, 4], metadata: { z: 3 } }]);
      const [a] = await c.get(["a"]);
      expect([...(a?.vector ?? [])]).toEqual([3, 4]);
      expect(a?.metadata).toEqual({ z: 3 });
      expect(await c.count()).toBe(1);
      const [hit] = await c.query([1, 1], { k: 1 });
      expect(hit).toMatchObject({ id: "a", score: 7, metadata: { z: 3 } });
    },
  },
  {
    id: "listing",
    title: "vector collections are listed with their dims and metric",
    needs,
    async run(t) {
      const a = freshVectors(t, { dims: 5, metric: "cosine" });
      const b = freshVectors(t, { dims: 7, metric: "dot" });
      await a.upsert([{ id: "x", vector: [1, 0, 0, 0, 0] }]);
      await b.count(); // opening is enough to create it
      const listed = await t.store.vectorCollections();
      expect(listed).toContainEqual({ name: a.name, dims: 5, metric: "cosine" });
      expect(listed).toContainEqual({ name: b.name, dims: 7, metric: "dot" });
      const names = listed.map((c) => c.name);
      expect(names).toEqual(
        [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
      );
    },
  },
  exactCase("cosine"),
  exactCase("l2"),
  exactCase("dot"),
  {
    id: "scores",
    title: "vector scores: cosine similarity and dot product descending, l2 distance ascending",
    needs,
    async run(t) {
      const rows = [
        { id: "a", vector: [1, 0] },
        { id: "b", vector: [0, 2] },
        { id: "c", vector: [-3, 0] },
      ];
      const expected: Record<VectorMetric, [string, number][]> = {
        cosine: [
          ["a", 1],
          ["b", 0],
          ["c", -1],
        ],
        dot: [
          ["a", 1],
          ["b", 0],
          ["c", -3],
        ],
        l2: [
          ["a", 0],
          ["b", Math.sqrt(5)],
          ["c", 4],
        ],
      };
      for (const metric of ["cosine", "dot", "l2"] as const) {
        const c = freshVectors(t, { dims: 2, metric });
        await c.upsert(rows);
        const got = await c.query([1, 0], { k: 3 });
        expect(got.map((h) => h.id)).toEqual(expected[metric].map(([id]) => id));
        got.forEach((h, i) => {
          expect(h.score).toBeCloseTo((expected[metric][i] as [string, number])[1], 5);
        });
      }
    },
  },
  {
    id: "ties",
    title: "vector results with equal scores are ordered by id in UTF-8 byte order",
    needs,
    async run(t) {
      const ids = ["b", "a", "é", "Z", "😀", "\uffff", "aa"];
      for (const metric of ["cosine", "l2", "dot"] as const) {
        const c = freshVectors(t, { dims: 3, metric });
        await c.upsert(ids.map((id) => ({ id, vector: [0.5, 0.25, -1] })));
        await c.upsert([{ id: "far", vector: [-0.5, -0.25, 1] }]);
        const got = await c.query([0.5, 0.25, -1], { k: 7 });
        expect(got.map((h) => h.id)).toEqual(["Z", "a", "aa", "b", "é", "\uffff", "😀"]);
      }
    },
  },
  {
    id: "include-vectors",
    title: "vector query returns vectors only with includeVectors, exactly as stored",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 4, metric: "cosine" });
      const items = randomItems(20, 4, 3);
      await c.upsert(items);
      const plain = await c.query(items[0]?.vector as Float32Array, { k: 3 });
      expect(plain.every((h) => h.vector === undefined)).toBe(true);
      const withVectors = await c.query(items[0]?.vector as Float32Array, {
        k: 20,
        includeVectors: true,
        exact: true,
      });
      const byId = new Map(items.map((i) => [i.id, i]));
      for (const h of withVectors) {
        expect(h.vector).toBeInstanceOf(Float32Array);
        expect([...(h.vector as Float32Array)]).toEqual([...(byId.get(h.id)?.vector ?? [])]);
        expect(h.metadata).toEqual(byId.get(h.id)?.metadata);
      }
      expect(withVectors[0]?.id).toBe(items[0]?.id);
    },
  },
  {
    id: "k-over-count",
    title: "vector query with k above the count returns every vector, nearest first",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 2, metric: "l2" });
      expect(await c.query([0, 0], { k: 5 })).toEqual([]);
      await c.upsert([
        { id: "x", vector: [3, 0] },
        { id: "y", vector: [1, 0] },
      ]);
      expect((await c.query([0, 0], { k: 1000 })).map((h) => h.id)).toEqual(["y", "x"]);
    },
  },
  filterCase("filter-eq", "equality on strings, numbers and booleans", [
    { group: "alpha" },
    { rank: 3 },
    { even: false },
    { group: { $eq: "é" }, even: true },
    { group: "nobody" },
  ]),
  filterCase("filter-in", "$in over scalars", [
    { group: { $in: ["beta", "é", "zzz"] } },
    { rank: { $in: [0, 16, 99] } },
  ]),
  filterCase("filter-range", "$gt/$gte/$lt/$lte on numbers and strings (byte order)", [
    { rank: { $gt: 10 } },
    { rank: { $gte: 3, $lt: 7 } },
    { rank: { $lte: 0 } },
    { group: { $gt: "Delta", $lt: "beta" } },
    { group: { $gte: "b" } },
    { group: { $gt: 5 } },
  ]),
  filterCase("filter-combined", "conditions on several fields all hold", [
    { group: { $in: ["alpha", "beta"] }, rank: { $gt: 4 }, even: true },
    { rank: { $gte: 0 }, group: "gamma" },
  ]),
  {
    id: "filter-types",
    title: "vector filter: equality is type-strict and a missing field never matches null",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 2, metric: "l2" });
      await c.upsert([
        { id: "num", vector: [0, 0], metadata: { f: 1 } },
        { id: "str", vector: [0, 1], metadata: { f: "1" } },
        { id: "bool", vector: [1, 0], metadata: { f: true } },
        { id: "null", vector: [1, 1], metadata: { f: null } },
        { id: "none", vector: [2, 2], metadata: {} },
        { id: "obj", vector: [2, 1], metadata: { f: { a: 1 } } },
        { id: "float", vector: [3, 1], metadata: { f: 1.5 } },
      ]);
      const ids = async (filter: VectorFilter) =>
        (await c.query([0, 0], { k: 10, filter })).map((h) => h.id).sort();
      expect(await ids({ f: 1 })).toEqual(["num"]);
      expect(await ids({ f: "1" })).toEqual(["str"]);
      expect(await ids({ f: true })).toEqual(["bool"]);
      expect(await ids({ f: null })).toEqual(["null"]);
      expect(await ids({ f: { $in: [1, "1", null] } })).toEqual(["null", "num", "str"]);
      expect(await ids({ f: { $gte: 1 } })).toEqual(["float", "num"]);
      expect(await ids({ f: { $lt: "2" } })).toEqual(["str"]);
      expect(await ids({ g: null })).toEqual([]);
    },
  },
  {
    id: "filter-invalid",
    title: "vector filter: unknown operators and bad operands are ValidationErrors",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 2, metric: "l2" });
      const bad: unknown[] = [
        { f: { $ne: 1 } },
        { f: { $regex: "x" } },
        { $or: [{ f: 1 }] },
        { f: [1, 2] },
        { f: { $in: [] } },
        { f: { $in: "x" } },
        { f: { $gt: true } },
        { f: { $gt: null } },
        { f: Number.NaN },
        { f: {} },
        { f: { $in: [{ a: 1 }] } },
        [],
        "f = 1",
      ];
      for (const filter of bad) {
        await expectError(
          () => c.query([0, 0], { k: 1, filter: filter as VectorFilter }),
          "VALIDATION",
          "INVALID_OPTION",
        );
      }
    },
  },
  {
    id: "dims",
    title: "vector with the wrong number of dimensions is a ValidationError and writes nothing",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 3, metric: "l2" });
      await c.upsert([{ id: "ok", vector: [1, 2, 3] }]);
      await expectError(
        () =>
          c.upsert([
            { id: "a", vector: [1, 2, 3] },
            { id: "b", vector: [1, 2] },
          ]),
        "VALIDATION",
        "INVALID_VALUE",
      );
      await expectError(
        () => c.upsert([{ id: "c", vector: [1, 2, 3, 4] }]),
        "VALIDATION",
        "INVALID_VALUE",
      );
      await expectError(() => c.query([1, 2], { k: 1 }), "VALIDATION", "INVALID_VALUE");
      expect(await c.count()).toBe(1);
      expect(await c.get(["a"])).toEqual([undefined]);
    },
  },
  {
    id: "definition-fixed",
    title:
      "vector collection reopened with other dims or metric is a ValidationError (on other stores too)",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 3, metric: "cosine" });
      await c.upsert([{ id: "a", vector: [1, 2, 3] }]);
      await expectError(
        () => t.store.vectors(c.name, { dims: 4, metric: "cosine" }).count(),
        "VALIDATION",
        "INVALID_OPTION",
      );
      await expectError(
        () => t.store.vectors(c.name, { dims: 3, metric: "l2" }).query([1, 1, 1], { k: 1 }),
        "VALIDATION",
      );
      const other = await t.openStore();
      await expectError(
        () =>
          other
            .vectors(c.name, { dims: 2, metric: "cosine" })
            .upsert([{ id: "b", vector: [1, 1] }]),
        "VALIDATION",
      );
      expect(await other.vectors(c.name, { dims: 3, metric: "cosine" }).count()).toBe(
        t.capabilities.shared ? 1 : 0,
      );
      expect(await c.count()).toBe(1);
    },
  },
  {
    id: "non-finite",
    title:
      "vector NaN, Infinity, float32 overflow and non-numbers are ValidationErrors; the batch writes nothing",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 2, metric: "dot" });
      for (const bad of [
        [Number.NaN, 1],
        [1, Number.POSITIVE_INFINITY],
        [Number.NEGATIVE_INFINITY, 0],
        [1e39, 0],
        ["1", 2],
        [null, 2],
      ]) {
        await expectError(
          () =>
            c.upsert([
              { id: "good", vector: [1, 1] },
              { id: "bad", vector: bad as number[] },
            ]),
          "VALIDATION",
          "INVALID_VALUE",
        );
        await expectError(() => c.query(bad as number[], { k: 1 }), "VALIDATION", "INVALID_VALUE");
      }
      await expectError(
        () => c.upsert([{ id: "x", vector: "1,2" as unknown as number[] }]),
        "VALIDATION",
      );
      expect(await c.count()).toBe(0);
    },
  },
  {
    id: "cosine-zero",
    title: "vector all-zero vectors are rejected by cosine collections and accepted by l2",
    needs,
    async run(t) {
      const cos = freshVectors(t, { dims: 2, metric: "cosine" });
      await expectError(
        () => cos.upsert([{ id: "z", vector: [0, 0] }]),
        "VALIDATION",
        "INVALID_VALUE",
      );
      await expectError(() => cos.query([0, -0], { k: 1 }), "VALIDATION", "INVALID_VALUE");
      const l2 = freshVectors(t, { dims: 2, metric: "l2" });
      await l2.upsert([{ id: "z", vector: [0, 0] }]);
      expect(await l2.query([0, 0], { k: 1 })).toMatchObject([{ id: "z", score: 0 }]);
    },
  },
  {
    id: "bad-options",
    title: "vector bad metric, dims, name, k and flags are ValidationErrors",
    needs,
    async run(t) {
      const s = t.store;
      const name = t.freshName("kv");
      for (const options of [
        { dims: 3, metric: "hamming" },
        { dims: 0, metric: "l2" },
        { dims: 1.5, metric: "l2" },
        { dims: 5000, metric: "l2" },
        { metric: "l2" },
        null,
      ]) {
        await expectError(() => s.vectors(name, options as never), "VALIDATION", "INVALID_OPTION");
      }
      await expectError(
        () => s.vectors("bad name!", { dims: 2, metric: "l2" }),
        "VALIDATION",
        "INVALID_NAME",
      );
      const c = freshVectors(t, { dims: 2, metric: "l2" });
      for (const k of [0, -1, 1001, 1.5, Number.NaN, "3", undefined]) {
        await expectError(
          () => c.query([1, 1], { k: k as number }),
          "VALIDATION",
          "INVALID_OPTION",
        );
      }
      await expectError(
        () => c.query([1, 1], { k: 1, exact: "yes" as unknown as boolean }),
        "VALIDATION",
        "INVALID_OPTION",
      );
      await expectError(() => c.upsert([{ id: "", vector: [1, 1] }]), "VALIDATION", "INVALID_KEY");
      expect((await s.vectorCollections()).some((x) => x.name === name)).toBe(false);
    },
  },
  {
    id: "atomic",
    title: "vector upsert is all or nothing (duplicate ids, bad metadata)",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 2, metric: "l2" });
      await c.upsert([{ id: "keep", vector: [1, 1], metadata: { v: 1 } }]);
      await expectError(
        () =>
          c.upsert([
            { id: "keep", vector: [2, 2] },
            { id: "n", vector: [0, 0] },
            { id: "n", vector: [0, 1] },
          ]),
        "VALIDATION",
      );
      await expectError(
        () =>
          c.upsert([
            { id: "keep", vector: [2, 2] },
            { id: "f", vector: [0, 0], metadata: { f: () => 1 } },
          ]),
        "VALIDATION",
      );
      const [keep] = await c.get(["keep"]);
      expect([...(keep?.vector ?? [])]).toEqual([1, 1]);
      expect(await c.count()).toBe(1);
      const many = randomItems(1500, 2, 4);
      await c.upsert(many);
      expect(await c.count()).toBe(1501);
    },
  },
  {
    id: "delete",
    title:
      "vector delete removes the ids (counting those that existed); queries no longer see them",
    needs,
    async run(t) {
      const c = freshVectors<Meta>(t, { dims: 4, metric: "cosine" });
      const items = randomItems(30, 4, 21);
      await c.upsert(items);
      const gone = items.slice(0, 10).map((i) => i.id);
      expect(await c.delete([...gone, gone[0] as string, "missing"])).toBe(10);
      expect(await c.delete(gone)).toBe(0);
      expect(await c.count()).toBe(20);
      expect((await c.get(gone)).every((x) => x === undefined)).toBe(true);
      const query = items[0]?.vector as Float32Array;
      expectTopK(
        await c.query(query, { k: 30, exact: true }),
        "cosine",
        query,
        items.slice(10),
        30,
      );
    },
  },
  {
    id: "clear",
    title: "vector clear empties one collection, keeps its definition and no other collection",
    needs,
    async run(t) {
      const a = freshVectors(t, { dims: 2, metric: "l2" });
      const b = freshVectors(t, { dims: 2, metric: "l2" });
      await a.upsert([{ id: "x", vector: [1, 2] }]);
      await b.upsert([{ id: "x", vector: [1, 2] }]);
      await a.clear();
      expect(await a.count()).toBe(0);
      expect(await a.query([1, 2], { k: 1 })).toEqual([]);
      expect(await b.count()).toBe(1);
      expect(await t.store.vectorCollections()).toContainEqual({
        name: a.name,
        dims: 2,
        metric: "l2",
      });
      await expectError(
        () => t.store.vectors(a.name, { dims: 3, metric: "l2" }).count(),
        "VALIDATION",
      );
    },
  },
  {
    id: "isolated",
    title: "vector collections are isolated from each other, from namespaces and from graphs",
    needs,
    async run(t) {
      const a = freshVectors(t, { dims: 2, metric: "dot" });
      const b = freshVectors(t, { dims: 2, metric: "dot" });
      const kv = t.store.kv(t.track("kv", a.name));
      await kv.set("x", "kv value");
      await a.upsert([{ id: "x", vector: [1, 0], metadata: { from: "a" } }]);
      await b.upsert([
        { id: "x", vector: [0, 1], metadata: { from: "b" } },
        { id: "y", vector: [1, 1] },
      ]);
      expect(await a.count()).toBe(1);
      expect((await a.query([1, 1], { k: 5 })).map((h) => [h.id, h.metadata])).toEqual([
        ["x", { from: "a" }],
      ]);
      expect((await b.get(["x"]))[0]?.metadata).toEqual({ from: "b" });
      await b.clear();
      expect(await a.count()).toBe(1);
      expect(await kv.get("x")).toBe("kv value");
    },
  },
  {
    id: "drop",
    title: "vector drop removes the collection and its definition",
    needs,
    async run(t) {
      const c = freshVectors(t, { dims: 2, metric: "l2" });
      await c.upsert([{ id: "x", vector: [1, 2] }]);
      expect(await c.drop()).toBe(true);
      expect((await t.store.vectorCollections()).some((x) => x.name === c.name)).toBe(false);
      const again = t.store.vectors(c.name, { dims: 3, metric: "cosine" });
      expect(await again.count()).toBe(0);
      expect(await again.drop()).toBe(true);
      expect(await again.drop()).toBe(false);
    },
  },
  {
    id: "after-close",
    title: "vector calls after close throw ClosedError",
    needs,
    async run(t) {
      const store = await t.openStore();
      const c = store.vectors(t.freshName("kv"), { dims: 2, metric: "l2" });
      await c.upsert([{ id: "x", vector: [1, 2] }]);
      t.defer(() => t.store.vectors(c.name, { dims: 2, metric: "l2" }).drop());
      await store.close();
      await expectError(() => c.upsert([{ id: "y", vector: [1, 2] }]), "CLOSED");
      await expectError(() => c.query([1, 2], { k: 1 }), "CLOSED");
      await expectError(() => c.get(["x"]), "CLOSED");
      await expectError(() => c.count(), "CLOSED");
      await expectError(() => c.clear(), "CLOSED");
      await expectError(() => c.delete(["x"]), "CLOSED");
      await expectError(() => store.vectorCollections(), "CLOSED");
      await expectError(() => store.vectors("other", { dims: 2, metric: "l2" }), "CLOSED");
    },
  },
  {
    id: "shared",
    title: "vector writes of one store are seen by another store over the same backend",
    needs: ["vectors", "shared"],
    async run(t) {
      const c = freshVectors(t, { dims: 2, metric: "l2" });
      await c.upsert([{ id: "x", vector: [1, 2], metadata: { n: 1 } }]);
      const other = (await t.openStore()).vectors(c.name, { dims: 2, metric: "l2" });
      expect(await other.query([1, 2], { k: 1, exact: true })).toEqual([
        { id: "x", score: 0, metadata: { n: 1 } },
      ]);
      await other.delete(["x"]);
      expect(await c.count()).toBe(0);
    },
  },
  {
    id: "graph-nearest",
    title:
      "vector graph.nearest returns the k nearest vectors that are nodes (of a type), with the nodes",
    needs: ["vectors", "graph"],
    async run(t) {
      const g = t.graph();
      const c = freshVectors<Meta>(t, { dims: 6, metric: "cosine" });
      const items = randomItems(60, 6, 31);
      await c.upsert(items);
      // Nodes for two thirds of the ids; every other one of type "doc".
      const nodes = items
        .filter((_, i) => i % 3 !== 0)
        .map((item, i) => ({ id: item.id, type: i % 2 === 0 ? "doc" : "entity", props: { n: i } }));
      await g.upsertNodes(nodes);
      const typeOf = new Map(nodes.map((n) => [n.id, n.type]));
      const query = randomVectors(1, 6, 32)[0] as Float32Array;
      const all = await g.nearest(query, { k: 8, collection: c });
      expectTopK(
        all,
        "cosine",
        query,
        items.filter((i) => typeOf.has(i.id)),
        8,
      );
      expect(all[0]?.node).toEqual({
        id: all[0]?.id,
        type: typeOf.get(all[0]?.id as string),
        props: expect.any(Object),
      });
      const docs = await g.nearest(query, {
        k: 5,
        collection: c,
        type: "doc",
        filter: { even: true },
      });
      expectTopK(
        docs,
        "cosine",
        query,
        items.filter((i) => typeOf.get(i.id) === "doc"),
        5,
        checkFilter({ even: true }),
      );
      expect(docs.every((d) => d.node.type === "doc")).toBe(true);
      expect(await g.nearest(query, { k: 3, collection: c, type: "none" })).toEqual([]);
    },
  },
  {
    id: "graph-traverse-from-nearest",
    title: "vector graph.traverseFromNearest expands the nearest nodes like traverse does",
    needs: ["vectors", "graph"],
    async run(t) {
      const g = t.graph();
      const c = freshVectors(t, { dims: 2, metric: "l2" });
      await c.upsert([
        { id: "a", vector: [0, 0] },
        { id: "b", vector: [5, 5] },
        { id: "c", vector: [0.1, 0] },
      ]);
      await g.upsertEdges([
        { from: "a", type: "rel", to: "x" },
        { from: "x", type: "rel", to: "y" },
        { from: "c", type: "rel", to: "z" },
        { from: "b", type: "rel", to: "w" },
      ]);
      const result = await g.traverseFromNearest([0, 0], {
        nearest: { k: 2, collection: c },
        maxDepth: 1,
      });
      expect(result.seeds.map((s) => s.id)).toEqual(["a", "c"]);
      const plain = await g.traverse(["a", "c"], { maxDepth: 1 });
      expect({ nodes: result.nodes, edges: result.edges, truncated: result.truncated }).toEqual(
        plain,
      );
    },
  },
  {
    id: "recall",
    title:
      "vector approximate search reaches recall@10 >= 0.95 against exact on 10k x 384 random vectors",
    needs: ["vectors", "approximateVectors"],
    timeoutMs: 600_000,
    async run(t) {
      const c = freshVectors(t, { dims: 384, metric: "cosine" });
      const items = randomItems(10_000, 384, 1234);
      for (let i = 0; i < items.length; i += 1000) await c.upsert(items.slice(i, i + 1000));
      let hits = 0;
      const queries = randomVectors(20, 384, 4321);
      for (const query of queries) {
        const exact = new Set(bruteForceTopK("cosine", query, items, 10).map((h) => h.id));
        const approx = await c.query(query, { k: 10 });
        hits += approx.filter((h) => exact.has(h.id)).length;
      }
      const recall = hits / (queries.length * 10);
      expect(recall).toBeGreaterThanOrEqual(0.95);
    },
  },
  {
    id: "approximate-contract",
    title:
      "vector approximate search keeps the contract: k hits in (score, id) order with true scores; filtered and exact queries equal brute force",
    needs: ["vectors", "approximateVectors"],
    timeoutMs: 300_000,
    async run(t) {
      const c = freshVectors<Meta>(t, { dims: 8, metric: "cosine" });
      const items = randomItems(1200, 8, 555);
      await c.upsert(items);
      const stored = new Map(items.map((i) => [i.id, i.vector]));
      for (const query of randomVectors(5, 8, 556)) {
        const approx = await c.query(query, { k: 20 });
        expect(approx.length).toBe(20);
        expect(new Set(approx.map((h) => h.id)).size).toBe(20);
        for (const hit of approx) {
          const ref = bruteForceTopK(
            "cosine",
            query,
            [{ id: hit.id, vector: stored.get(hit.id) as Float32Array }],
            1,
          );
          expect(hit.score).toBeCloseTo(ref[0]?.score as number, 5);
        }
        for (let i = 1; i < approx.length; i++) {
          const [a, b] = [approx[i - 1], approx[i]] as [
            { id: string; score: number },
            { id: string; score: number },
          ];
          expect(a.score > b.score || (a.score === b.score && a.id < b.id)).toBe(true);
        }
        const filter = { group: { $in: ["alpha", "é"] }, rank: { $lt: 9 } };
        expectTopK(
          await c.query(query, { k: 15, filter }),
          "cosine",
          query,
          items,
          15,
          checkFilter(filter),
        );
        expectTopK(await c.query(query, { k: 10, exact: true }), "cosine", query, items, 10);
      }
    },
  },
  {
    id: "transfer",
    title:
      "vector export/import round-trips a collection exactly (float32 bits, metadata) through text lines",
    needs,
    async run(t) {
      const c = freshVectors<Meta>(t, { dims: 5, metric: "dot" });
      const items = randomItems(1200, 5, 77);
      await c.upsert(items);
      await c.upsert([{ id: "odd", vector: [-0, 1e-45, 3.4028234663852886e38, -1.5, 0.1] }]);
      const records = await collect(
        exportRecords(t.store, { namespaces: [], graphs: [], vectors: [c.name] }),
      );
      expect(records[0]).toMatchObject({ kind: "header", version: 2 });
      expect(records.filter((r) => r.kind === "vector").length).toBe(1201);
      const target = freshVectors<Meta>(t, { dims: 5, metric: "dot" });
      const moved = records.map((r): ExportRecord => {
        if (r.kind === "vcollection") return { ...r, name: target.name };
        if (r.kind === "vector") return { ...r, collection: target.name };
        return r;
      });
      const { records: written } = await importRecords(
        t.store,
        moved.map((r) => parseRecord(formatRecord(r))),
        { batchSize: 500 },
      );
      expect(written).toBe(1202);
      const ids = [...items.map((i) => i.id), "odd"];
      const [before, after] = [await c.get(ids), await target.get(ids)];
      const bits = (v: Float32Array | undefined) =>
        v && Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
      expect(after.map((r) => [r?.id, bits(r?.vector), r?.metadata])).toEqual(
        before.map((r) => [r?.id, bits(r?.vector), r?.metadata]),
      );
      const wrong = moved.map((r) => (r.kind === "vcollection" ? { ...r, dims: 6 } : r));
      await expectError(() => importRecords(t.store, wrong), "VALIDATION");
    },
  },
  {
    id: "unused-store",
    title: "vector collections of a store wrapping the same driver object agree",
    needs,
    async run(t) {
      const store = createStore(t.driver, { now: t.clock.now });
      const c = freshVectors(t, { dims: 2, metric: "l2" });
      await c.upsert([{ id: "x", vector: [1, 2] }]);
      const again = store.vectors(c.name, { dims: 2, metric: "l2" });
      expect(await again.count()).toBe(1);
      await expectError(
        () => store.vectors(c.name, { dims: 2, metric: "dot" }).count(),
        "VALIDATION",
      );
    },
  },
  ...vectorGraphCases,
];
