// Graph part of the memory driver: node map + sorted ids, adjacency maps in both directions.

import {
  compareEdgeKeys,
  compareUtf8,
  mergeEncodedProps,
  type EdgeKey,
  type EdgeRecord,
  type GraphDriver,
  type NeighborQuery,
  type NodeRecord,
} from "@stowage/core";
import type { GraphData, MemoryDatabase } from "./database.ts";

const EMPTY = new Map<string, EdgeRecord>();

function copyEdge(e: EdgeRecord): EdgeRecord {
  return { from: e.from, type: e.type, to: e.to, props: e.props };
}

function ensureNode(g: GraphData, id: string): void {
  if (!g.nodes.has(id)) {
    g.nodes.set(id, { type: null, props: "{}" });
    g.order.insert(id);
  }
}

function removeEdge(g: GraphData, e: EdgeKey): boolean {
  const out = g.out.get(e.from);
  if (!out?.delete(`${e.type}\u0000${e.to}`)) return false;
  g.in.get(e.to)?.delete(`${e.type}\u0000${e.from}`);
  g.edgeCount--;
  return true;
}

/** Incident edges of one node, ordered as the SPI says: out by (type, to), then in by (type, from). */
function incident(g: GraphData, id: string, query: NeighborQuery): EdgeRecord[] {
  const types = query.types && new Set(query.types);
  const pick = (edges: Map<string, EdgeRecord>, other: (e: EdgeRecord) => string, skipSelfLoops: boolean) =>
    [...edges.values()]
      .filter((e) => (!types || types.has(e.type)) && !(skipSelfLoops && e.from === e.to))
      .sort((a, b) => compareUtf8(a.type, b.type) || compareUtf8(other(a), other(b)));
  const result: EdgeRecord[] = [];
  if (query.direction !== "in") result.push(...pick(g.out.get(id) ?? EMPTY, (e) => e.to, false));
  // With `both`, a self-loop was already listed as an out-edge.
  if (query.direction !== "out") result.push(...pick(g.in.get(id) ?? EMPTY, (e) => e.from, query.direction === "both"));
  return result;
}

export function createMemoryGraph(db: MemoryDatabase, assertOpen: () => void): GraphDriver {
  return {
    async upsertNodes(name, nodes, mode) {
      assertOpen();
      const g = db.graph(name, true);
      for (const n of nodes) {
        const current = g.nodes.get(n.id);
        if (current && mode === "merge") {
          g.nodes.set(n.id, {
            type: n.type === undefined ? current.type : n.type,
            props: mergeEncodedProps(current.props, n.props),
          });
        } else {
          g.nodes.set(n.id, { type: n.type ?? null, props: n.props });
          g.order.insert(n.id);
        }
      }
    },

    async upsertEdges(name, edges, mode) {
      assertOpen();
      const g = db.graph(name, true);
      for (const e of edges) {
        ensureNode(g, e.from);
        ensureNode(g, e.to);
        let out = g.out.get(e.from);
        if (!out) g.out.set(e.from, (out = new Map()));
        let inc = g.in.get(e.to);
        if (!inc) g.in.set(e.to, (inc = new Map()));
        const outKey = `${e.type}\u0000${e.to}`;
        const current = out.get(outKey);
        const props = current && mode === "merge" ? mergeEncodedProps(current.props, e.props) : e.props;
        const record = { from: e.from, type: e.type, to: e.to, props };
        if (!current) g.edgeCount++;
        out.set(outKey, record);
        inc.set(`${e.type}\u0000${e.from}`, record);
      }
    },

    async getNodes(name, ids) {
      assertOpen();
      const g = db.graph(name);
      return ids.map((id): NodeRecord | undefined => {
        const n = g?.nodes.get(id);
        return n && { id, type: n.type, props: n.props };
      });
    },

    async getEdges(name, keys) {
      assertOpen();
      const g = db.graph(name);
      return keys.map((k) => {
        const e = g?.out.get(k.from)?.get(`${k.type}\u0000${k.to}`);
        return e && copyEdge(e);
      });
    },

    async deleteNodes(name, ids) {
      assertOpen();
      const g = db.graph(name);
      if (!g) return 0;
      let removed = 0;
      for (const id of ids) {
        if (!g.nodes.has(id)) continue;
        for (const e of [...(g.out.get(id)?.values() ?? []), ...(g.in.get(id)?.values() ?? [])]) removeEdge(g, e);
        g.out.delete(id);
        g.in.delete(id);
        g.nodes.delete(id);
        g.order.remove(id);
        removed++;
      }
      return removed;
    },

    async deleteEdges(name, keys) {
      assertOpen();
      const g = db.graph(name);
      if (!g) return 0;
      return keys.filter((k) => removeEdge(g, k)).length;
    },

    async neighbors(name, ids, query) {
      assertOpen();
      const g = db.graph(name);
      return ids.map((id) => {
        if (!g) return [];
        const edges = incident(g, id, query).map(copyEdge);
        return query.limit === undefined ? edges : edges.slice(0, query.limit);
      });
    },

    async degree(name, ids, query) {
      assertOpen();
      const g = db.graph(name);
      return ids.map((id) => (g ? incident(g, id, query).length : 0));
    },

    async listNodes(name, query) {
      assertOpen();
      const g = db.graph(name);
      if (!g) return [];
      const out: NodeRecord[] = [];
      const start = query.after === undefined ? 0 : g.order.upperBound(query.after);
      for (const id of g.order.from(start)) {
        const n = g.nodes.get(id);
        if (!n || (query.type !== undefined && n.type !== query.type)) continue;
        out.push({ id, type: n.type, props: n.props });
        if (out.length >= query.limit) break;
      }
      return out;
    },

    async listEdges(name, query) {
      assertOpen();
      const g = db.graph(name);
      if (!g) return [];
      const out: EdgeRecord[] = [];
      const after = query.after;
      const start = after === undefined ? 0 : g.order.lowerBound(after.from);
      for (const from of g.order.from(start)) {
        const edges = [...(g.out.get(from)?.values() ?? [])].sort(compareEdgeKeys);
        for (const e of edges) {
          if (after && compareEdgeKeys(e, after) <= 0) continue;
          if (query.type !== undefined && e.type !== query.type) continue;
          out.push(copyEdge(e));
          if (out.length >= query.limit) return out;
        }
      }
      return out;
    },

    async stats(name) {
      assertOpen();
      const g = db.graph(name);
      return { nodes: g?.nodes.size ?? 0, edges: g?.edgeCount ?? 0 };
    },

    async clear(name) {
      assertOpen();
      db.graphs.delete(name);
    },

    async graphs() {
      assertOpen();
      return [...db.graphs.entries()].filter(([, g]) => g.nodes.size > 0).map(([name]) => name).sort();
    },
  };
}
