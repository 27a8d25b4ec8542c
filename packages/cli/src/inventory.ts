// What a store holds: live keys per namespace, nodes and edges per graph. Used by `stats`, for the
// progress bar's total, for migrate's empty-target check, and for migrate's verification.

import type { Store } from "@stowage/core";

export interface Inventory {
  readonly namespaces: Record<string, number>;
  readonly graphs: Record<string, { nodes: number; edges: number }>;
}

export interface Selection {
  readonly namespaces?: readonly string[] | undefined;
  readonly graphs?: readonly string[] | undefined;
}

/** Counts of the selected (default: every) namespace and graph; a few names at a time. */
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
  return { namespaces, graphs };
}

export function totals(inv: Inventory): {
  keys: number;
  nodes: number;
  edges: number;
  records: number;
} {
  const keys = Object.values(inv.namespaces).reduce((a, b) => a + b, 0);
  const nodes = Object.values(inv.graphs).reduce((a, g) => a + g.nodes, 0);
  const edges = Object.values(inv.graphs).reduce((a, g) => a + g.edges, 0);
  return { keys, nodes, edges, records: keys + nodes + edges };
}

export function isEmpty(inv: Inventory): boolean {
  return totals(inv).records === 0 && Object.keys(inv.graphs).length === 0;
}
