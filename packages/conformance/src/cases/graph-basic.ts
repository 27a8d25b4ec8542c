// graph/basic: nodes and edges, merge and replace, bare endpoints, cascades.

import { DEFAULT_MAX_VALUE_BYTES } from "@stowage/core";
import { expect } from "vitest";
import { expectError, range } from "../assert.ts";
import type { CaseDef } from "../types.ts";

export const graphBasic: CaseDef[] = [
  {
    id: "node-roundtrip",
    title: "upsertNode then getNode returns id, type and props (rich values included)",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const props = { name: "Alice", age: 30, at: new Date(7), big: 2n ** 70n, tags: new Set(["a"]), bytes: new Uint8Array([1, 2]), nested: { m: new Map([[1, 2]]) }, nan: Number.NaN, "$t": "x" };
      await g.upsertNode({ id: "alice", type: "Person", props });
      expect(await g.getNode("alice")).toEqual({ id: "alice", type: "Person", props });
      await g.upsertNode({ id: "bare" });
      expect(await g.getNode("bare")).toEqual({ id: "bare", type: null, props: {} });
    },
  },
  {
    id: "getnodes-order",
    title: "getNodes answers in input order with undefined for missing ids; getNode of a missing id is undefined",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNodes([{ id: "b", props: { n: 2 } }, { id: "a", props: { n: 1 } }]);
      expect((await g.getNodes(["b", "x", "a", "b"])).map((n) => n?.props.n)).toEqual([2, undefined, 1, 2]);
      expect(await g.getNode("x")).toBeUndefined();
      expect(await g.getNodes([])).toEqual([]);
    },
  },
  {
    id: "merge-props",
    title: "merge (default) adds and replaces props key by key (nested values replaced whole) and keeps the type",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNode({ id: "n", type: "T", props: { a: 1, b: { x: 1, y: 2 }, c: "keep" } });
      await g.upsertNode({ id: "n", props: { a: 2, b: { x: 9 }, d: [1] } });
      expect(await g.getNode("n")).toEqual({ id: "n", type: "T", props: { a: 2, b: { x: 9 }, c: "keep", d: [1] } });
      await g.upsertNode({ id: "n", type: "U" }, { mode: "merge" });
      expect(await g.getNode("n")).toEqual({ id: "n", type: "U", props: { a: 2, b: { x: 9 }, c: "keep", d: [1] } });
      await g.upsertNode({ id: "n", type: null });
      expect((await g.getNode("n"))?.type).toBeNull();
    },
  },
  {
    id: "replace-props",
    title: "replace swaps props whole and sets an omitted type to null",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNode({ id: "n", type: "T", props: { a: 1, b: 2 } });
      await g.upsertNode({ id: "n", props: { c: 3 } }, { mode: "replace" });
      expect(await g.getNode("n")).toEqual({ id: "n", type: null, props: { c: 3 } });
      await g.upsertNode({ id: "n", type: "V" }, { mode: "replace" });
      expect(await g.getNode("n")).toEqual({ id: "n", type: "V", props: {} });
    },
  },
  {
    id: "batch-duplicates",
    title: "upsertNodes with one id several times applies them in order (merge folds, replace keeps the last)",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNodes([
        { id: "n", type: "A", props: { a: 1 } },
        { id: "m", props: { x: 1 } },
        { id: "n", props: { b: 2 } },
        { id: "n", props: { a: 3 } },
      ]);
      expect(await g.getNode("n")).toEqual({ id: "n", type: "A", props: { a: 3, b: 2 } });
      await g.upsertNodes([{ id: "m", type: "M", props: { y: 1 } }, { id: "m", props: { z: 1 } }], { mode: "replace" });
      expect(await g.getNode("m")).toEqual({ id: "m", type: null, props: { z: 1 } });
    },
  },
  {
    id: "edge-roundtrip",
    title: "upsertEdge then getEdge returns from, type, to and props; getEdges keeps input order",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNodes([{ id: "a" }, { id: "b" }]);
      await g.upsertEdge({ from: "a", type: "knows", to: "b", props: { since: new Date(1), w: 0.5 } });
      expect(await g.getEdge("a", "knows", "b")).toEqual({ from: "a", type: "knows", to: "b", props: { since: new Date(1), w: 0.5 } });
      expect(await g.getEdge("b", "knows", "a")).toBeUndefined();
      expect(await g.getEdge("a", "likes", "b")).toBeUndefined();
      const edges = await g.getEdges([{ from: "x", type: "knows", to: "b" }, { from: "a", type: "knows", to: "b" }]);
      expect(edges.map((e) => e?.props.w)).toEqual([undefined, 0.5]);
    },
  },
  {
    id: "edge-identity",
    title: "edges are keyed by (from, type, to): other types, the reverse direction and self-loops are separate edges",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdges([
        { from: "a", type: "t1", to: "b", props: { n: 1 } },
        { from: "a", type: "t2", to: "b", props: { n: 2 } },
        { from: "b", type: "t1", to: "a", props: { n: 3 } },
        { from: "a", type: "t1", to: "a", props: { n: 4 } },
      ]);
      expect(await g.stats()).toEqual({ nodes: 2, edges: 4 });
      const got = await g.getEdges([
        { from: "a", type: "t1", to: "b" },
        { from: "a", type: "t2", to: "b" },
        { from: "b", type: "t1", to: "a" },
        { from: "a", type: "t1", to: "a" },
      ]);
      expect(got.map((e) => e?.props.n)).toEqual([1, 2, 3, 4]);
    },
  },
  {
    id: "separator-ids",
    title: "ids and types containing separators (: | / , -> space \\u0001 \\uFFFF emoji) never collide",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const edges = [
        { from: "a:b", type: "c", to: "d" },
        { from: "a", type: "b:c", to: "d" },
        { from: "a", type: "b", to: "c:d" },
        { from: "a|b", type: "c", to: "d" },
        { from: "a", type: "b|c", to: "d" },
        { from: "a/b", type: "c", to: "d" },
        { from: "a", type: "b/c", to: "d" },
        { from: "a,b", type: "c", to: "d" },
        { from: "a->b", type: "c", to: "d" },
        { from: "a b", type: "c", to: "d" },
        { from: "a\u0001b", type: "c", to: "d" },
        { from: "a", type: "b\u0001c", to: "d" },
        { from: "a\uFFFF", type: "b", to: "c" },
        { from: "😀", type: "😀", to: "😀" },
      ];
      await g.upsertEdges(edges.map((e, i) => ({ ...e, props: { i } })));
      expect((await g.stats()).edges).toBe(edges.length);
      expect((await g.getEdges(edges)).map((e) => e?.props.i)).toEqual(range(edges.length));
      expect((await g.neighbors("a", { direction: "out" })).length).toBe(5);
      expect((await g.neighbors("d", { direction: "in" })).length).toBe(11);
      await g.deleteNode("a:b");
      expect((await g.stats()).edges).toBe(edges.length - 1);
      expect(await g.getEdge("a", "b:c", "d")).toBeDefined();
    },
  },
  {
    id: "bare-endpoints",
    title: "upsertEdge creates missing endpoints as bare nodes and leaves existing endpoints untouched",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNode({ id: "a", type: "Person", props: { name: "A" } });
      await g.upsertEdges([{ from: "a", type: "knows", to: "b" }, { from: "c", type: "knows", to: "a" }]);
      expect(await g.getNodes(["a", "b", "c"])).toEqual([
        { id: "a", type: "Person", props: { name: "A" } },
        { id: "b", type: null, props: {} },
        { id: "c", type: null, props: {} },
      ]);
      await g.upsertEdge({ from: "a", type: "knows", to: "b", props: { x: 1 } }, { mode: "replace" });
      expect(await g.getNode("a")).toEqual({ id: "a", type: "Person", props: { name: "A" } });
      expect(await g.stats()).toEqual({ nodes: 3, edges: 2 });
    },
  },
  {
    id: "edge-merge-replace",
    title: "edge props merge key by key by default and are swapped whole with replace",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdge({ from: "a", type: "r", to: "b", props: { x: 1, y: 1 } });
      await g.upsertEdge({ from: "a", type: "r", to: "b", props: { y: 2, z: 2 } });
      expect((await g.getEdge("a", "r", "b"))?.props).toEqual({ x: 1, y: 2, z: 2 });
      await g.upsertEdge({ from: "a", type: "r", to: "b" });
      expect((await g.getEdge("a", "r", "b"))?.props).toEqual({ x: 1, y: 2, z: 2 });
      await g.upsertEdge({ from: "a", type: "r", to: "b", props: { only: true } }, { mode: "replace" });
      expect((await g.getEdge("a", "r", "b"))?.props).toEqual({ only: true });
      await g.upsertEdge({ from: "a", type: "r", to: "b" }, { mode: "replace" });
      expect((await g.getEdge("a", "r", "b"))?.props).toEqual({});
    },
  },
  {
    id: "delete-edge",
    title: "deleteEdge removes one edge (true), then reports false; endpoints and other edges stay",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdges([{ from: "a", type: "r", to: "b" }, { from: "a", type: "s", to: "b" }]);
      expect(await g.deleteEdge("a", "r", "b")).toBe(true);
      expect(await g.deleteEdge("a", "r", "b")).toBe(false);
      expect(await g.deleteEdges([{ from: "a", type: "s", to: "b" }, { from: "a", type: "s", to: "b" }, { from: "x", type: "s", to: "y" }])).toBe(1);
      expect(await g.stats()).toEqual({ nodes: 2, edges: 0 });
      expect(await g.getNodes(["a", "b"])).toEqual([
        { id: "a", type: null, props: {} },
        { id: "b", type: null, props: {} },
      ]);
    },
  },
  {
    id: "delete-cascade",
    title: "deleteNode removes the node with its out-edges, in-edges and self-loop, and nothing else",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdges([
        { from: "x", type: "r", to: "a" },
        { from: "x", type: "r", to: "b" },
        { from: "a", type: "r", to: "x" },
        { from: "x", type: "self", to: "x" },
        { from: "a", type: "r", to: "b" },
        { from: "b", type: "r", to: "a" },
      ]);
      expect(await g.deleteNode("x")).toBe(true);
      expect(await g.getNode("x")).toBeUndefined();
      expect(await g.stats()).toEqual({ nodes: 2, edges: 2 });
      expect(await g.getEdges([{ from: "x", type: "r", to: "a" }, { from: "a", type: "r", to: "x" }, { from: "x", type: "self", to: "x" }])).toEqual([undefined, undefined, undefined]);
      expect((await g.neighbors("a", { direction: "both" })).map((n) => n.id)).toEqual(["b", "b"]);
      expect(await g.degree("b", { direction: "in" })).toBe(1);
      expect((await g.listEdges()).items.map((e) => `${e.from}-${e.to}`)).toEqual(["a-b", "b-a"]);
      expect(await g.deleteNode("x")).toBe(false);
    },
  },
  {
    id: "delete-nodes-count",
    title: "deleteNodes counts the nodes that existed (duplicates once) and cascades for each",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertEdges(range(5).map((i) => ({ from: `n${i}`, type: "next", to: `n${i + 1}` })));
      expect(await g.deleteNodes(["n1", "n3", "n1", "missing"])).toBe(2);
      expect(await g.stats()).toEqual({ nodes: 4, edges: 1 });
      expect((await g.listEdges()).items.map((e) => [e.from, e.to])).toEqual([["n4", "n5"]]);
    },
  },
  {
    id: "lookalike-ids",
    title: "ids that are prefixes, case variants or LIKE/glob look-alikes of each other keep separate edges",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const ids = ["a", "a%", "a_", "A", "a ", "ab", "a*", "a:"];
      await g.upsertEdges(ids.flatMap((id, i) => [{ from: id, type: "r", to: `t${i}` }, { from: `s${i}`, type: "r", to: id }]));
      for (const [i, id] of ids.entries()) {
        expect((await g.neighbors(id, { direction: "both" })).map((n) => n.id), id).toEqual([`t${i}`, `s${i}`]);
      }
      expect(await g.deleteNode("a")).toBe(true);
      expect(await g.stats()).toEqual({ nodes: ids.length * 3 - 1, edges: ids.length * 2 - 2 });
      for (const id of ids.slice(1)) expect(await g.degree(id, { direction: "both" }), id).toBe(2);
    },
  },
  {
    id: "large-props",
    title: "a node and an edge with large props (1 MB, or a quarter of the size limit) round-trip through get, list and traverse",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const limit = Math.min(DEFAULT_MAX_VALUE_BYTES, t.capabilities.maxValueBytes);
      const text = "é".repeat(Math.min(500_000, Math.floor(limit / 4)));
      await g.upsertNode({ id: "big", props: { text, n: 1 } });
      await g.upsertEdge({ from: "big", type: "r", to: "other", props: { text } });
      expect((await g.getNode("big"))?.props.text === text).toBe(true);
      expect((await g.getEdge("big", "r", "other"))?.props.text === text).toBe(true);
      expect((await g.listNodes({ limit: 1 })).items[0]?.props.text === text).toBe(true);
      const r = await g.traverse("big", { maxDepth: 1 });
      expect(r.nodes[0]?.props.text === text && r.edges[0]?.props.text === text).toBe(true);
      await g.upsertNode({ id: "big", props: { n: 2 } });
      expect((await g.getNode("big"))?.props).toEqual({ text, n: 2 });
    },
  },
  {
    id: "recreate-after-delete",
    title: "a node upserted again after deleteNode starts bare, without its old edges or props",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNode({ id: "a", type: "T", props: { old: true } });
      await g.upsertEdges([{ from: "a", type: "r", to: "b" }, { from: "b", type: "r", to: "a" }]);
      await g.deleteNode("a");
      await g.upsertNode({ id: "a", props: { fresh: 1 } });
      expect(await g.getNode("a")).toEqual({ id: "a", type: null, props: { fresh: 1 } });
      expect(await g.degree("a", { direction: "both" })).toBe(0);
      expect(await g.neighbors("b", { direction: "both" })).toEqual([]);
    },
  },
  {
    id: "upsert-atomic",
    title: "an upsert batch with one invalid node or edge throws ValidationError and writes none of it",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await expectError(() => g.upsertNodes([{ id: "ok", props: { a: 1 } }, { id: "bad", props: { f: () => 1 } }]), "VALIDATION", "INVALID_VALUE");
      await expectError(() => g.upsertNodes([{ id: "ok" }, { id: "" }]), "VALIDATION", "INVALID_KEY");
      await expectError(() => g.upsertNodes([{ id: "ok" }, { id: "x", props: [1] as unknown as Record<string, unknown> }]), "VALIDATION", "INVALID_VALUE");
      await expectError(() => g.upsertEdges([{ from: "a", type: "r", to: "b" }, { from: "a", type: "", to: "c" }]), "VALIDATION", "INVALID_KEY");
      await expectError(() => g.upsertEdges([{ from: "a", type: "r", to: "b" }, { from: "a", type: "r", to: "\u0000" }]), "VALIDATION", "INVALID_KEY");
      expect(await g.stats()).toEqual({ nodes: 0, edges: 0 });
    },
  },
  {
    id: "long-ids",
    title: "1024-byte node ids and edge types work; 1025 bytes throw ValidationError",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      const id = "n".repeat(1024);
      const type = "€".repeat(341) + "t";
      await g.upsertEdge({ from: id, type, to: "😀".repeat(256), props: { ok: 1 } });
      expect((await g.getEdge(id, type, "😀".repeat(256)))?.props).toEqual({ ok: 1 });
      expect((await g.neighbors(id)).map((n) => n.edge.type)).toEqual([type]);
      await expectError(() => g.upsertNode({ id: "n".repeat(1025) }), "VALIDATION", "INVALID_KEY");
      await expectError(() => g.upsertEdge({ from: "a", type: "t".repeat(1025), to: "b" }), "VALIDATION", "INVALID_KEY");
      expect(await g.stats()).toEqual({ nodes: 2, edges: 1 });
    },
  },
  {
    id: "node-types",
    title: "node types are any valid key text and distinguish case",
    needs: ["graph"],
    async run(t) {
      const g = t.graph();
      await g.upsertNodes([{ id: "1", type: "person" }, { id: "2", type: "Person" }, { id: "3", type: "per%" }, { id: "4", type: "p:e r😀" }]);
      expect((await g.getNodes(["1", "2", "3", "4"])).map((n) => n?.type)).toEqual(["person", "Person", "per%", "p:e r😀"]);
      expect((await g.listNodes({ type: "person" })).items.map((n) => n.id)).toEqual(["1"]);
      expect((await g.listNodes({ type: "per%" })).items.map((n) => n.id)).toEqual(["3"]);
    },
  },
  {
    id: "invalid-graph-names",
    title: "invalid graph names throw ValidationError INVALID_NAME; 128-character and dotted names work",
    needs: ["graph"],
    async run(t) {
      for (const name of ["", "a b", "-g", "g/1", "ü", "g".repeat(129)]) {
        await expectError(() => t.store.graph(name), "VALIDATION", "INVALID_NAME");
      }
      const base = t.freshName("graph");
      for (const name of [t.track("graph", `${base}${"g".repeat(128 - base.length)}`), t.track("graph", `${base}.A-b_9`)]) {
        const g = t.store.graph(name);
        await g.upsertEdge({ from: "a", type: "r", to: "b" });
        expect(await g.stats()).toEqual({ nodes: 2, edges: 1 });
      }
    },
  },
  {
    id: "unsupported-without-graph",
    title: "a driver without graphs throws UnsupportedError from store.graph() and lists no graphs",
    without: "graph",
    async run(t) {
      await expectError(() => t.store.graph(t.freshName("graph")), "UNSUPPORTED");
      expect(await t.store.graphs()).toEqual([]);
    },
  },
];
