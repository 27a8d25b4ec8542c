// transfer: exportRecords → importRecords round trips (into fresh names and through text lines).

import { exportRecords, formatRecord, importRecords, parseRecord } from "@stowage/core";
import type { ExportRecord, Graph, KV } from "@stowage/core";
import { expect } from "vitest";
import { collect, pad, range } from "../assert.ts";
import type { CaseDef } from "../types.ts";

/** Renames the namespace / graph of every record. */
function renamed(records: ExportRecord[], names: Record<string, string>): ExportRecord[] {
  return records.map((r) => {
    if (r.kind === "kv") return { ...r, ns: names[r.ns] ?? r.ns };
    if (r.kind === "node" || r.kind === "edge") return { ...r, graph: names[r.graph] ?? r.graph };
    return r;
  });
}

async function kvSnapshot(kv: KV): Promise<unknown[]> {
  const keys = await collect(kv.keys());
  return (await kv.getEntries(keys)).map((e) => e && [e.key, e.value, e.expiresAt]);
}

async function graphSnapshot(g: Graph): Promise<unknown> {
  return { nodes: await collect(g.nodes()), edges: await collect(g.edges()) };
}

const richValues = () => [
  { key: "date", value: new Date(12345) },
  { key: "big", value: -(2n ** 100n) },
  { key: "bytes", value: new Uint8Array([0, 1, 255]) },
  { key: "map", value: new Map<unknown, unknown>([[{ k: 1 }, new Set([1, 2])]]) },
  { key: "arr", value: [undefined, Number.NaN, -0, Number.POSITIVE_INFINITY] },
  { key: "str", value: "nul\u0000 lone\uD800 😀" },
  { key: "tag", value: { $t: "x", __proto__: null } },
  { key: "unicode key 😀 : % _", value: null },
];

export const transferCases: CaseDef[] = [
  {
    id: "kv-roundtrip",
    title: "a namespace exported and imported under a fresh name comes back equal (values and expiry)",
    async run(t) {
      const source = t.kv();
      const target = t.kv();
      await source.setMany(richValues());
      if (t.capabilities.ttl) await source.set("ttl", "expiring later", { ttlMs: 3_600_000 });
      const records = await collect(exportRecords(t.store, { namespaces: [source.namespace] }));
      expect(records[0]).toMatchObject({ kind: "header", format: "stowage-export" });
      expect(records.filter((r) => r.kind === "kv").length).toBe(richValues().length + (t.capabilities.ttl ? 1 : 0));
      await importRecords(t.store, renamed(records, { [source.namespace]: target.namespace }));
      expect(await kvSnapshot(target)).toEqual(await kvSnapshot(source));
      expect((await target.getEntry("date"))?.version).toBe(1);
    },
  },
  {
    id: "graph-roundtrip",
    title: "a graph exported and imported under a fresh name comes back equal",
    needs: ["graph"],
    async run(t) {
      const source = t.graph();
      const target = t.graph();
      await source.upsertNodes([{ id: "a", type: "T", props: { d: new Date(1), b: 1n } }, { id: "😀", props: { m: new Map([[1, 1]]) } }]);
      await source.upsertEdges([
        { from: "a", type: "r", to: "😀", props: { w: 0.5 } },
        { from: "😀", type: "r", to: "a" },
        { from: "a", type: "self", to: "a" },
        { from: "bare", type: "r", to: "a" },
      ]);
      const records = await collect(exportRecords(t.store, { namespaces: [], graphs: [source.name] }));
      expect(records.filter((r) => r.kind === "node").length).toBe(3);
      expect(records.filter((r) => r.kind === "edge").length).toBe(4);
      await importRecords(t.store, renamed(records, { [source.name]: target.name }));
      expect(await graphSnapshot(target)).toEqual(await graphSnapshot(source));
      expect((await target.traverse("a", { maxDepth: 2, direction: "both" })).edges.length).toBe(4);
    },
  },
  {
    id: "text-lines",
    title: "records survive formatting as JSON lines and import into a second store instance",
    async run(t) {
      const source = t.kv();
      await source.setMany(richValues());
      const lines = (await collect(exportRecords(t.store, { namespaces: [source.namespace] }))).map(formatRecord).join("\n");
      const targetName = t.freshName("kv");
      const other = await t.openStore();
      const parsed = lines.split("\n").map((line, i) => parseRecord(line, i + 1));
      const result = await importRecords(other, renamed(parsed, { [source.namespace]: targetName }));
      expect(result.records).toBe(richValues().length);
      expect(await kvSnapshot(other.kv(targetName))).toEqual(await kvSnapshot(source));
    },
  },
  {
    id: "pages",
    title: "export walks every page (page size 7 over 100 keys) in key order",
    async run(t) {
      const source = t.kv();
      const target = t.kv();
      await source.setMany(range(100).map((i) => ({ key: pad(i), value: i })));
      const records = await collect(exportRecords(t.store, { namespaces: [source.namespace], pageSize: 7 }));
      const keys = records.flatMap((r) => (r.kind === "kv" ? [r.key] : []));
      expect(keys).toEqual(range(100).map((i) => pad(i)));
      await importRecords(t.store, renamed(records, { [source.namespace]: target.namespace }), { batchSize: 9 });
      expect(await target.count()).toBe(100);
      expect(await target.get(pad(99))).toBe(99);
    },
  },
  {
    id: "expired-left-out",
    title: "expired entries are neither exported nor imported",
    needs: ["ttl"],
    async run(t) {
      const source = t.kv();
      const target = t.kv();
      await source.setMany([{ key: "gone", value: 1, ttlMs: 1000 }, { key: "kept", value: 2 }, { key: "later", value: 3, ttlMs: 60_000 }]);
      const early = await collect(exportRecords(t.store, { namespaces: [source.namespace] }));
      t.clock.advance(2000);
      const records = await collect(exportRecords(t.store, { namespaces: [source.namespace] }));
      expect(records.flatMap((r) => (r.kind === "kv" ? [r.key] : []))).toEqual(["kept", "later"]);
      const result = await importRecords(t.store, renamed(early, { [source.namespace]: target.namespace }));
      expect(result.skippedExpired).toBe(1);
      expect((await target.list()).items).toEqual(["kept", "later"]);
    },
  },
  {
    id: "import-overwrites",
    title: "import overwrites existing keys and leaves other keys of the target alone",
    async run(t) {
      const source = t.kv();
      const target = t.kv();
      await source.setMany([{ key: "a", value: "new" }, { key: "b", value: "new" }]);
      await target.setMany([{ key: "a", value: "old" }, { key: "z", value: "mine" }]);
      const records = await collect(exportRecords(t.store, { namespaces: [source.namespace] }));
      await importRecords(t.store, renamed(records, { [source.namespace]: target.namespace }));
      expect(await target.getMany(["a", "b", "z"])).toEqual(["new", "new", "mine"]);
    },
  },
];
