// Vector part of the memory driver: exact search by core's brute-force reference. Filters see
// the metadata's JSON text as stored (like the SQL drivers), not decoded values.

import {
  bruteForceTopK,
  compareUtf8,
  matchesFilter,
  type NodeRecord,
  type VectorCollectionSpec,
  type VectorDriver,
  type VectorHit,
  type VectorRecord,
  type VectorSearch,
} from "@stowage/core";
import type { MemoryDatabase } from "./database.ts";

interface Collection {
  readonly spec: VectorCollectionSpec;
  readonly records: Map<string, VectorRecord>;
}

/** Collections per dataset, beside (not inside) the KV and graph data. */
const byDatabase = new WeakMap<MemoryDatabase, Map<string, Collection>>();

function collectionsOf(db: MemoryDatabase): Map<string, Collection> {
  let m = byDatabase.get(db);
  if (!m) {
    m = new Map();
    byDatabase.set(db, m);
  }
  return m;
}

/** Stored vectors are private copies: no caller can change them afterwards. */
function copy(r: VectorRecord): VectorRecord {
  return { id: r.id, vector: new Float32Array(r.vector), metadata: r.metadata };
}

function search(
  c: Collection | undefined,
  s: VectorSearch,
  keep: (r: VectorRecord) => boolean,
  k = s.k,
): VectorHit[] {
  if (!c) return [];
  const filtered = (r: VectorRecord) =>
    keep(r) && (s.filter.length === 0 || matchesFilter(JSON.parse(r.metadata), s.filter));
  return bruteForceTopK(c.spec.metric, s.vector, c.records.values(), k, filtered).map((h) => ({
    id: h.id,
    score: h.score,
    metadata: h.metadata,
    ...(s.includeVectors ? { vector: new Float32Array(h.vector) } : {}),
  }));
}

export function createMemoryVectors(db: MemoryDatabase, assertOpen: () => void): VectorDriver {
  const all = collectionsOf(db);
  const records = (spec: VectorCollectionSpec) => all.get(spec.name)?.records;
  return {
    async ensure(spec) {
      assertOpen();
      let c = all.get(spec.name);
      if (!c) {
        c = { spec: { name: spec.name, dims: spec.dims, metric: spec.metric }, records: new Map() };
        all.set(spec.name, c);
      }
      return c.spec;
    },
    async collections() {
      assertOpen();
      return [...all.values()].map((c) => c.spec).sort((a, b) => compareUtf8(a.name, b.name));
    },
    async drop(name) {
      assertOpen();
      return all.delete(name);
    },
    async upsert(spec, batch) {
      assertOpen();
      await this.ensure(spec);
      const m = records(spec) as Map<string, VectorRecord>;
      for (const r of batch) m.set(r.id, copy(r));
    },
    async get(spec, ids) {
      assertOpen();
      const m = records(spec);
      return ids.map((id) => {
        const r = m?.get(id);
        return r && copy(r);
      });
    },
    async delete(spec, ids) {
      assertOpen();
      const m = records(spec);
      return ids.filter((id) => m?.delete(id)).length;
    },
    async count(spec) {
      assertOpen();
      return records(spec)?.size ?? 0;
    },
    async clear(spec) {
      assertOpen();
      records(spec)?.clear();
    },
    async query(spec, s) {
      assertOpen();
      return search(all.get(spec.name), s, () => true);
    },
    async list(spec, q) {
      assertOpen();
      const ids = [...(records(spec)?.keys() ?? [])].filter(
        (id) => q.after === undefined || compareUtf8(id, q.after) > 0,
      );
      const m = records(spec) as Map<string, VectorRecord>;
      return ids
        .sort(compareUtf8)
        .slice(0, q.limit)
        .map((id) => copy(m.get(id) as VectorRecord));
    },
    async nearestNodes(spec, graph, s, type) {
      assertOpen();
      const nodes = db.graph(graph)?.nodes;
      if (!nodes) return [];
      const isNode = (r: VectorRecord) => {
        const n = nodes.get(r.id);
        return n !== undefined && (type === undefined || n.type === type);
      };
      return search(all.get(spec.name), s, isNode).map((h) => {
        const n = nodes.get(h.id) as { type: string | null; props: string };
        const node: NodeRecord = { id: h.id, type: n.type, props: n.props };
        return { ...h, node };
      });
    },
  };
}
