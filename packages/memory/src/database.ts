// The in-process dataset. Several drivers can share one MemoryDatabase (like several clients of
// one server); values are stored encoded (strings), so no caller can mutate stored data.

import type { EdgeRecord } from "@stowage/core";
import { SortedKeys } from "./sorted.ts";

export interface StoredEntry {
  value: string;
  version: number;
  expiresAt: number | null;
}

export class Namespace {
  readonly entries = new Map<string, StoredEntry>();
  readonly order = new SortedKeys();
}

export interface StoredNode {
  type: string | null;
  props: string;
}

export class GraphData {
  readonly nodes = new Map<string, StoredNode>();
  readonly order = new SortedKeys();
  /** from → (type \0 to) → edge */
  readonly out = new Map<string, Map<string, EdgeRecord>>();
  /** to → (type \0 from) → edge */
  readonly in = new Map<string, Map<string, EdgeRecord>>();
  edgeCount = 0;
}

export class MemoryDatabase {
  readonly namespaces = new Map<string, Namespace>();
  readonly graphs = new Map<string, GraphData>();

  namespace(name: string, create: true): Namespace;
  namespace(name: string, create?: false): Namespace | undefined;
  namespace(name: string, create = false): Namespace | undefined {
    let ns = this.namespaces.get(name);
    if (!ns && create) {
      ns = new Namespace();
      this.namespaces.set(name, ns);
    }
    return ns;
  }

  graph(name: string, create: true): GraphData;
  graph(name: string, create?: false): GraphData | undefined;
  graph(name: string, create = false): GraphData | undefined {
    let g = this.graphs.get(name);
    if (!g && create) {
      g = new GraphData();
      this.graphs.set(name, g);
    }
    return g;
  }

  /** Removes entries that expired by `now`; returns how many. */
  sweep(now: number): number {
    let removed = 0;
    for (const [name, ns] of this.namespaces) {
      for (const [key, entry] of ns.entries) {
        if (entry.expiresAt !== null && entry.expiresAt <= now) {
          ns.entries.delete(key);
          ns.order.remove(key);
          removed++;
        }
      }
      if (ns.entries.size === 0) this.namespaces.delete(name);
    }
    return removed;
  }
}

/** Databases behind `memory://name` URLs, shared by every store that opens the same name. */
const named = new Map<string, MemoryDatabase>();

export function namedDatabase(name: string): MemoryDatabase {
  let db = named.get(name);
  if (!db) {
    db = new MemoryDatabase();
    named.set(name, db);
  }
  return db;
}
