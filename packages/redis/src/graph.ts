// Graph part: a hash per node (type + one field per top-level prop, so a merge is an HSET),
// sorted-set adjacency per node in both directions, one hash of props per edge. Every write is
// one Lua script; reads are one script per batch; traversal is one pipelined round trip per level.

import {
  compareEdgeKeys,
  compareUtf8,
  type EdgeKey,
  type EdgeRecord,
  type GraphDriver,
  type NeighborQuery,
  type NodeRecord,
  type TraverseQuery,
  type TraverseRecords,
} from "@stowage/core";
import { type Connection, type PipelineScript, Registrations } from "./connection.ts";
import {
  exclusive,
  FORGET_IF_EMPTY,
  GRAPH_CLEAR,
  GRAPH_DEGREE,
  GRAPH_DELETE_EDGES,
  GRAPH_DELETE_NODES,
  GRAPH_GET_EDGES,
  GRAPH_GET_NODES,
  GRAPH_LIST_EDGES,
  GRAPH_LIST_NODES,
  GRAPH_NEIGHBORS,
  GRAPH_UPSERT_EDGES,
  GRAPH_UPSERT_NODES,
  type GraphKeys,
  inclusive,
  type Layout,
  TYPE_FIELD,
} from "./schema.ts";

/** Nodes removed per round trip by clear() (each step is atomic, a clear of a larger graph is not). */
const CLEAR_BATCH = 500;

/** Encoded props text -> flat [name, JSON text, …] for HSET. */
function propPairs(props: string): string[] {
  if (props === "{}") return [];
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(JSON.parse(props) as Record<string, unknown>)) {
    pairs.push(name, JSON.stringify(value));
  }
  return pairs;
}

/** Flat hash fields -> encoded props text (skipping the node type field). */
function propsText(fields: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    if (name !== TYPE_FIELD) parts.push(`${JSON.stringify(name)}:${fields[i + 1] as string}`);
  }
  return `{${parts.join(",")}}`;
}

function nodeRecord(id: string, fields: readonly string[]): NodeRecord {
  let type: string | null = null;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === TYPE_FIELD) type = (fields[i + 1] as string) || null;
  }
  return { id, type, props: propsText(fields) };
}

type RawEdge = [string, string, string, string[]];

function edgeRecord([from, type, to, fields]: RawEdge): EdgeRecord {
  return { from, type, to, props: propsText(fields) };
}

function edgeArgs(keys: readonly EdgeKey[]): string[] {
  return keys.flatMap((k) => [k.from, k.type, k.to]);
}

/** ARGV tail shared by the neighbour scripts: direction, limit, types (sorted, unique), ids. */
function neighborArgs(
  ids: readonly string[],
  query: NeighborQuery,
  limit: boolean,
): (string | number)[] {
  const types = query.types ? [...new Set(query.types)].sort(compareUtf8) : [];
  return [query.direction, limit ? (query.limit ?? 0) : 0, types.length, ...types, ...ids];
}

export function createRedisGraph(conn: Connection, layout: Layout): GraphDriver {
  const registrations = new Registrations(conn, layout.graphs);
  const fixed = (g: GraphKeys) => [g.nodes, g.edges, g.edgeTypes, g.loops, g.nodeTypes];

  function queueNodes(evalsha: PipelineScript, g: GraphKeys, ids: readonly string[]): void {
    evalsha(GRAPH_GET_NODES, [g.nodes], [g.base, ...ids]);
  }

  function readNodes(ids: readonly string[], reply: unknown): (NodeRecord | undefined)[] {
    return (reply as (string[] | null)[]).map((fields, i) =>
      fields ? nodeRecord(ids[i] as string, fields) : undefined,
    );
  }

  function readNeighbors(reply: unknown): EdgeRecord[][] {
    return (reply as RawEdge[][]).map((edges) => edges.map(edgeRecord));
  }

  return {
    async upsertNodes(graph, nodes, mode) {
      const args: (string | number)[] = [mode];
      for (const n of nodes) {
        const pairs = propPairs(n.props);
        const typeMode = n.type === undefined ? "keep" : n.type === null ? "null" : "set";
        args.push(n.id, typeMode, n.type ?? "", pairs.length / 2);
        for (const x of pairs) args.push(x);
      }
      const g = layout.graph(graph);
      await registrations.write<number>(
        graph,
        GRAPH_UPSERT_NODES,
        [g.nodes, g.nodeTypes],
        [g.base, ...args],
        (r) => r === 1,
      );
    },

    async upsertEdges(graph, edges, mode) {
      const args: (string | number)[] = [mode];
      for (const e of edges) {
        const pairs = propPairs(e.props);
        args.push(e.from, e.type, e.to, pairs.length / 2);
        for (const x of pairs) args.push(x);
      }
      const g = layout.graph(graph);
      const keys = [g.nodes, g.edges, g.edgeTypes, g.loops];
      await registrations.write<number>(
        graph,
        GRAPH_UPSERT_EDGES,
        keys,
        [g.base, ...args],
        (r) => r === 1,
      );
    },

    async getNodes(graph, ids) {
      const g = layout.graph(graph);
      return readNodes(ids, await conn.script(GRAPH_GET_NODES, [g.nodes], [g.base, ...ids]));
    },

    async getEdges(graph, keys) {
      const g = layout.graph(graph);
      const reply = (await conn.script(
        GRAPH_GET_EDGES,
        [g.nodes],
        [g.base, ...edgeArgs(keys)],
      )) as (string[] | null)[];
      return reply.map((fields, i) => {
        const k = keys[i] as EdgeKey;
        return fields
          ? { from: k.from, type: k.type, to: k.to, props: propsText(fields) }
          : undefined;
      });
    },

    async deleteNodes(graph, ids) {
      const g = layout.graph(graph);
      return (await conn.script(GRAPH_DELETE_NODES, fixed(g), [g.base, ...ids])) as number;
    },

    async deleteEdges(graph, keys) {
      const g = layout.graph(graph);
      return (await conn.script(
        GRAPH_DELETE_EDGES,
        [g.nodes, g.edges, g.edgeTypes, g.loops],
        [g.base, ...edgeArgs(keys)],
      )) as number;
    },

    async neighbors(graph, ids, query) {
      const g = layout.graph(graph);
      return readNeighbors(
        await conn.script(GRAPH_NEIGHBORS, [g.nodes], [g.base, ...neighborArgs(ids, query, true)]),
      );
    },

    async degree(graph, ids, query) {
      const g = layout.graph(graph);
      return (await conn.script(
        GRAPH_DEGREE,
        [g.nodes, g.edges, g.edgeTypes, g.loops],
        [g.base, ...neighborArgs(ids, query, false)],
      )) as number[];
    },

    async listNodes(graph, query) {
      const g = layout.graph(graph);
      let min: string | Buffer;
      let max: string;
      if (query.type === undefined) {
        min = query.after === undefined ? "-" : exclusive(query.after);
        max = "+";
      } else {
        min =
          query.after === undefined
            ? inclusive(`${query.type}\u0000`)
            : exclusive(`${query.type}\u0000${query.after}`);
        max = `(${query.type}\u0001`;
      }
      const reply = (await conn.script(
        GRAPH_LIST_NODES,
        [g.nodes, g.nodeTypes],
        [g.base, min, max, query.limit, query.type === undefined ? "0" : "1"],
      )) as [string, string[]][];
      return reply.map(([id, fields]) => nodeRecord(id, fields));
    },

    async listEdges(graph, query) {
      const g = layout.graph(graph);
      const after = query.after;
      let min: string;
      let max: string;
      if (query.type === undefined) {
        min = after === undefined ? "-" : `(${after.from}\u0000${after.type}\u0000${after.to}`;
        max = "+";
      } else {
        const t = query.type;
        max = `(${t}\u0001`;
        if (after === undefined) min = `[${t}\u0000`;
        else {
          const order = compareUtf8(t, after.type);
          // Past `after` in (from, type, to) order: same from and a later type, or a later from.
          if (order === 0) min = `(${t}\u0000${after.from}\u0000${after.to}`;
          else if (order > 0) min = `[${t}\u0000${after.from}\u0000`;
          else min = `[${t}\u0000${after.from}\u0001`;
        }
      }
      const reply = (await conn.script(
        GRAPH_LIST_EDGES,
        [g.edges, g.edgeTypes],
        [g.base, min, max, query.limit, query.type === undefined ? "0" : "1"],
      )) as RawEdge[];
      return reply.map(edgeRecord);
    },

    async stats(graph) {
      const g = layout.graph(graph);
      const [nodes, edges] = await conn.pipeline((p) => {
        p.zcard(g.nodes);
        p.zcard(g.edges);
      });
      return { nodes: nodes as number, edges: edges as number };
    },

    async clear(graph) {
      const g = layout.graph(graph);
      while (((await conn.script(GRAPH_CLEAR, fixed(g), [g.base, CLEAR_BATCH])) as number) > 0) {
        // next batch
      }
      registrations.forget(graph);
      await conn.script(FORGET_IF_EMPTY, [layout.graphs, g.nodes], [graph]);
    },

    async graphs() {
      const names = await conn.run((c) => c.zrange(layout.graphs, "0", "-1"));
      if (names.length === 0) return [];
      const sizes = await conn.pipeline((p) => {
        for (const name of names) p.zcard(layout.graph(name).nodes);
      });
      const empty = names.filter((_, i) => sizes[i] === 0);
      if (empty.length > 0) {
        await conn.pipeline((_, evalsha) => {
          for (const name of empty) {
            registrations.forget(name);
            evalsha(FORGET_IF_EMPTY, [layout.graphs, layout.graph(name).nodes], [name]);
          }
        });
      }
      return names.filter((_, i) => (sizes[i] as number) > 0);
    },

    /**
     * Core's traversal (core/src/traversal.ts), step for step, with the reads of each level in one
     * pipeline: the node records of the level and, when it will be expanded, its incident edges.
     */
    async traverse(graph, seeds, query): Promise<TraverseRecords> {
      const g = layout.graph(graph);
      const neighborQuery: NeighborQuery = query.types
        ? { direction: query.direction, types: query.types }
        : { direction: query.direction };
      const fetchLevel = async (ids: readonly string[], expand: boolean) => {
        const replies = await conn.pipeline((_, evalsha) => {
          queueNodes(evalsha, g, ids);
          if (expand)
            evalsha(
              GRAPH_NEIGHBORS,
              [g.nodes],
              [g.base, ...neighborArgs(ids, neighborQuery, false)],
            );
        });
        const incident = new Map<string, EdgeRecord[]>();
        if (expand) {
          readNeighbors(replies[1]).forEach((edges, i) => {
            incident.set(ids[i] as string, edges);
          });
        }
        return { nodes: readNodes(ids, replies[0]), incident };
      };
      return walk(seeds, query, fetchLevel);
    },
  };
}

type FetchLevel = (
  ids: readonly string[],
  expand: boolean,
) => Promise<{ nodes: (NodeRecord | undefined)[]; incident: Map<string, EdgeRecord[]> }>;

function otherEnd(edge: EdgeRecord, from: string): string {
  return edge.from === from ? edge.to : edge.from;
}

function edgeId(e: EdgeRecord): string {
  return `${e.from}\u0000${e.type}\u0000${e.to}`;
}

/** The breadth-first walk of core's traverse(); `fetchLevel` reads a level's nodes and edges at once. */
async function walk(
  seeds: readonly string[],
  query: TraverseQuery,
  fetchLevel: FetchLevel,
): Promise<TraverseRecords> {
  const { maxDepth, maxNodes } = query;
  const records = new Map<string, NodeRecord>();
  const depth = new Map<string, number>();
  let truncated = false;
  let level: string[] = [];
  let fetched = await fetchLevel(seeds, maxDepth > 0);
  for (const record of fetched.nodes) {
    if (!record) continue;
    if (depth.size >= maxNodes) {
      truncated = true;
      break;
    }
    records.set(record.id, record);
    depth.set(record.id, 0);
    level.push(record.id);
  }
  const edges = new Map<string, EdgeRecord>();
  for (let d = 0; d < maxDepth && level.length > 0; d++) {
    const incident = level.map((id) => fetched.incident.get(id) ?? []);
    const discovered = new Set<string>();
    level.forEach((id, i) => {
      for (const edge of incident[i] ?? []) {
        const other = otherEnd(edge, id);
        if (!depth.has(other)) discovered.add(other);
      }
    });
    const next = [...discovered].sort(compareUtf8);
    const room = maxNodes - depth.size;
    if (next.length > room) {
      truncated = true;
      next.length = Math.max(0, room);
    }
    for (const id of next) depth.set(id, d + 1);
    level.forEach((id, i) => {
      for (const edge of incident[i] ?? []) {
        if (depth.has(otherEnd(edge, id))) edges.set(edgeId(edge), edge);
      }
    });
    if (next.length > 0) {
      fetched = await fetchLevel(next, d + 1 < maxDepth);
      fetched.nodes.forEach((n, i) => {
        // A node deleted meanwhile still counts as reached; show it bare rather than lose the edge.
        records.set(next[i] as string, n ?? { id: next[i] as string, type: null, props: "{}" });
      });
    }
    level = next;
  }
  const nodes = [...depth.entries()]
    .sort((a, b) => a[1] - b[1] || compareUtf8(a[0], b[0]))
    .map(([id, dep]) => ({ ...(records.get(id) as NodeRecord), depth: dep }));
  return { nodes, edges: [...edges.values()].sort(compareEdgeKeys), truncated };
}
