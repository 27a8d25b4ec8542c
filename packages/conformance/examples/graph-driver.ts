// A complete graph driver over plain Maps (KV from map-driver.ts): what GraphDriver asks, in one file.
import { ClosedError, compareEdgeKeys, compareUtf8, fetchLevelWith, mergeEncodedProps, walkLevels } from "@stowage/core";
import type { Driver, EdgeKey, EdgeRecord, GraphDriver, NeighborQuery, NodeRecord } from "@stowage/core";
import { createMapDriver, type MapData } from "./map-driver.ts";

interface GraphData {
  nodes: Map<string, { type: string | null; props: string }>;
  edges: Map<string, EdgeRecord>; // keyed by JSON.stringify([from, type, to]): no separator can collide
}
/** graph name → its nodes and edges. Pass the same Map to several drivers to share one dataset. */
export type GraphStore = Map<string, GraphData>;

const edgeId = (e: EdgeKey) => JSON.stringify([e.from, e.type, e.to]);

export function createGraphMapDriver(kvData: MapData = new Map(), graphs: GraphStore = new Map()): Driver {
  const kvDriver = createMapDriver(kvData);
  let closed = false;
  const checkOpen = () => {
    if (closed) throw new ClosedError("the graph map driver is closed");
  };
  const data = (name: string) => {
    let g = graphs.get(name);
    if (!g) graphs.set(name, (g = { nodes: new Map(), edges: new Map() }));
    return g;
  };
  const record = (id: string, n: { type: string | null; props: string }): NodeRecord => ({ id, type: n.type, props: n.props });
  // Out-edges by (type, to), then in-edges by (type, from); with `both` a self-loop only once (as out).
  const incident = (g: GraphData | undefined, id: string, q: NeighborQuery): EdgeRecord[] => {
    const all = [...(g?.edges.values() ?? [])].filter((e) => !q.types || q.types.includes(e.type));
    const out = all.filter((e) => e.from === id).sort((a, b) => compareUtf8(a.type, b.type) || compareUtf8(a.to, b.to));
    const into = all.filter((e) => e.to === id && !(q.direction === "both" && e.from === id));
    into.sort((a, b) => compareUtf8(a.type, b.type) || compareUtf8(a.from, b.from));
    return q.direction === "out" ? out : q.direction === "in" ? into : [...out, ...into];
  };

  const graph: GraphDriver = {
    async upsertNodes(name, nodes, mode) {
      checkOpen();
      const g = data(name);
      for (const n of nodes) {
        const old = g.nodes.get(n.id);
        const keep = mode === "merge" && old !== undefined;
        g.nodes.set(n.id, {
          type: n.type === undefined ? (keep ? old.type : null) : n.type,
          props: keep ? mergeEncodedProps(old.props, n.props) : n.props,
        });
      }
    },
    async upsertEdges(name, edges, mode) {
      checkOpen();
      const g = data(name);
      for (const e of edges) {
        for (const id of [e.from, e.to]) if (!g.nodes.has(id)) g.nodes.set(id, { type: null, props: "{}" }); // bare endpoints
        const old = g.edges.get(edgeId(e));
        const props = mode === "merge" && old ? mergeEncodedProps(old.props, e.props) : e.props;
        g.edges.set(edgeId(e), { from: e.from, type: e.type, to: e.to, props });
      }
    },
    async getNodes(name, ids) {
      checkOpen();
      return ids.map((id) => {
        const n = graphs.get(name)?.nodes.get(id);
        return n && record(id, n);
      });
    },
    async getEdges(name, keys) {
      checkOpen();
      return keys.map((k) => graphs.get(name)?.edges.get(edgeId(k)));
    },
    async deleteNodes(name, ids) {
      checkOpen();
      const g = graphs.get(name);
      let existed = 0;
      for (const id of ids) {
        if (!g?.nodes.delete(id)) continue;
        existed++;
        for (const [key, e] of g.edges) if (e.from === id || e.to === id) g.edges.delete(key); // cascade
      }
      return existed;
    },
    async deleteEdges(name, keys) {
      checkOpen();
      const g = graphs.get(name);
      return keys.filter((k) => g?.edges.delete(edgeId(k))).length;
    },
    async neighbors(name, ids, query) {
      checkOpen();
      return ids.map((id) => incident(graphs.get(name), id, query).slice(0, query.limit)); // limit per id, after ordering
    },
    async degree(name, ids, query) {
      checkOpen();
      return ids.map((id) => incident(graphs.get(name), id, query).length); // limit ignored
    },
    async listNodes(name, query) {
      checkOpen();
      const { after, type } = query;
      return [...(graphs.get(name)?.nodes ?? [])]
        .filter(([id, n]) => (after === undefined || compareUtf8(id, after) > 0) && (type === undefined || n.type === type))
        .sort(([a], [b]) => compareUtf8(a, b))
        .slice(0, query.limit)
        .map(([id, n]) => record(id, n));
    },
    async listEdges(name, query) {
      checkOpen();
      const { after, type } = query;
      return [...(graphs.get(name)?.edges.values() ?? [])]
        .filter((e) => (after === undefined || compareEdgeKeys(e, after) > 0) && (type === undefined || e.type === type))
        .sort(compareEdgeKeys)
        .slice(0, query.limit);
    },
    async stats(name) {
      checkOpen();
      const g = graphs.get(name);
      return { nodes: g?.nodes.size ?? 0, edges: g?.edges.size ?? 0 };
    },
    async clear(name) {
      checkOpen();
      graphs.delete(name);
    },
    async graphs() {
      checkOpen();
      return [...graphs].filter(([, g]) => g.nodes.size > 0).map(([name]) => name).sort(compareUtf8);
    },
    // Native traversal with exactly core's semantics: core's level walk over this driver's reads.
    // A database driver passes its own faster FetchLevel (one query per level) instead.
    async traverse(name, seeds, query) {
      checkOpen();
      const neighborQuery = { direction: query.direction, ...(query.types ? { types: query.types } : {}) };
      return walkLevels(seeds, query, fetchLevelWith(graph, name, neighborQuery));
    },
  };

  return {
    name: "graph-map",
    capabilities: { ...kvDriver.capabilities, graph: true, nativeTraversal: true },
    kv: kvDriver.kv,
    graph,
    async ping() {
      checkOpen();
    },
    async close() {
      closed = true;
      await kvDriver.close();
    },
  };
}
