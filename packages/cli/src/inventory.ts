// What a store holds: live keys per namespace, nodes and edges per graph, and each vector
// collection's definition and count. Used by `stats`, for the progress bar's total, for migrate's
// empty-target check, and for migrate's verification.

import type { Store, VectorMetric } from "@stowage/core";

export interface VectorCollectionCount {
  readonly dims: number;
  readonly metric: VectorMetric;
  readonly count: number;
}

export interface Inventory {
  readonly namespaces: Record<string, number>;
  readonly graphs: Record<string, { nodes: number; edges: number }>;
  readonly vectors: Record<string, VectorCollectionCount>;
}

export interface Selection {
  readonly namespaces?: readonly string[] | undefined;
  readonly graphs?: readonly string[] | undefined;
  readonly vectors?: readonly string[] | undefined;
}

/**
 * Counts of the selected (default: every) namespace, graph and vector collection; a few names at
 * a time. A selected collection the store does not hold is left out (never created).
 */
export async function inventory(store: Store, selection: Selection = {}): Promise<Inventory> {
  const names = selection.namespaces ?? (await store.namespaces());
  const graphNames = store.capabilities.graph ? (selection.graphs ?? (await store.graphs())) : [];
  const namespaces: Record<string, number> = {};
  for (const ns of names) namespaces[ns] = await store.kv(ns).count();
  const graphs: Record<string, { nodes: number; edges: number }> = {};
  for (const g of graphNames) {
    const { nodes, edges } = await store.graph(g).stats();
    graphs[g] = { nodes, edges };
  }
  const vectors: Record<string, VectorCollectionCount> = {};
  if (store.capabilities.vectors) {
    const only = selection.vectors;
    for (const { name, dims, metric } of await store.vectorCollections()) {
      if (only && !only.includes(name)) continue;
      const count = await store.vectors(name, { dims, metric }).count();
      vectors[name] = { dims, metric, count };
    }
  }
  return { namespaces, graphs, vectors };
}

export function totals(inv: Inventory): {
  keys: number;
  nodes: number;
  edges: number;
  vectorCollections: number;
  vectors: number;
  records: number;
} {
  const keys = Object.values(inv.namespaces).reduce((a, b) => a + b, 0);
  const nodes = Object.values(inv.graphs).reduce((a, g) => a + g.nodes, 0);
  const edges = Object.values(inv.graphs).reduce((a, g) => a + g.edges, 0);
  const vectorCollections = Object.keys(inv.vectors).length;
  const vectors = Object.values(inv.vectors).reduce((a, c) => a + c.count, 0);
  // As an export counts them: a collection's definition is a record too.
  const records = keys + nodes + edges + vectorCollections + vectors;
  return { keys, nodes, edges, vectorCollections, vectors, records };
}

export function isEmpty(inv: Inventory): boolean {
  return totals(inv).records === 0 && Object.keys(inv.graphs).length === 0;
}
