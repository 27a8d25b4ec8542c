// Graph part: node records and edge props in one hash each per graph, and the adjacency of all
// nodes in two sorted sets per graph (out, in) whose members carry the edge's props. Every write is
// one Lua script; neighbours are one ZRANGEBYLEX per node and direction (pipelined); traversal is
// one pipelined round trip per level.

import {
  compareUtf8,
  walkLevels,
  type EdgeKey,
  type EdgeRecord,
  type GraphDriver,
  type NeighborQuery,
  type NodeRecord,
  type TraverseRecords,
} from "@stowage/core";
import type { ChainableCommander } from "ioredis";
import type { Connection } from "./connection.ts";
import {
  GRAPH_DEGREE,
  GRAPH_DELETE_EDGES,
  GRAPH_DELETE_NODES,
  GRAPH_LIST_EDGES_BY_TYPE,
  GRAPH_LIST_NODES,
  GRAPH_NEIGHBORS,
  GRAPH_UPSERT_EDGES,
  GRAPH_UPSERT_NODES,
} from "./graph-scripts.ts";
import { Registry } from "./registry.ts";
import { exclusive, type GraphKeys, inclusive, type Layout } from "./schema.ts";

/**
 * Core's encoded props -> the stored form: JSON object text with "\n" before and "\t" after each
 * top-level name (see schema.ts), so scripts can merge it and readers can use it as it is.
 */
function markProps(props: string): string {
  if (props === "{}") return props;
  return markCompact(props) ?? markParsed(props);
}

/** Compact JSON object text (what core's codec makes) -> marked form by one scan; undefined for anything else. */
function markCompact(props: string): string | undefined {
  const n = props.length;
  if (props.charCodeAt(0) !== 123) return undefined; // "{"
  let out = "{";
  let i = 1;
  for (;;) {
    // The name: a JSON string.
    if (props.charCodeAt(i) !== 34) return undefined;
    let j = i + 1;
    for (let c = props.charCodeAt(j); c !== 34; c = props.charCodeAt(j)) {
      if (c === 92) j += 2;
      else if (c < 32 || j >= n) return undefined;
      else j++;
    }
    if (props.charCodeAt(j + 1) !== 58) return undefined; // ":"
    // The value: up to the "," or "}" that closes it at this level, skipping strings.
    let k = j + 2;
    for (let depth = 0; ; k++) {
      const c = props.charCodeAt(k);
      if (c === 34) {
        for (k++; props.charCodeAt(k) !== 34; k++) {
          const d = props.charCodeAt(k);
          if (d === 92) k++;
          else if (d < 32 || k >= n) return undefined;
        }
      } else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0) break;
        depth--;
      } else if (c === 44) {
        if (depth === 0) break;
      } else if (c <= 32 || k >= n) return undefined; // whitespace: not compact
    }
    if (k === j + 2) return undefined;
    out += `${i === 1 ? "" : ","}\n${props.slice(i, j + 1)}\t:${props.slice(j + 2, k)}`;
    if (props.charCodeAt(k) === 125) return k === n - 1 ? `${out}}` : undefined;
    i = k + 1;
  }
}

/** Any JSON object text -> marked form, through JSON.parse. */
function markParsed(props: string): string {
  let marked = "";
  for (const [name, value] of Object.entries(JSON.parse(props) as Record<string, unknown>)) {
    marked += `${marked === "" ? "{" : ","}\n${JSON.stringify(name)}\t:${JSON.stringify(value)}`;
  }
  return marked === "" ? "{}" : `${marked}}`;
}

/** A node record "<type or empty>\0<props>" -> NodeRecord. */
function nodeRecord(id: string, record: string): NodeRecord {
  const at = record.indexOf("\u0000");
  return { id, type: record.slice(0, at) || null, props: record.slice(at + 1) };
}

function edgeField(k: EdgeKey): string {
  return `${k.from}\u0000${k.type}\u0000${k.to}`;
}

/** Flat from, type, to, props, … -> edge records. */
function edgeRecords(flat: readonly string[]): EdgeRecord[] {
  const edges: EdgeRecord[] = [];
  for (let i = 0; i < flat.length; i += 4) {
    edges.push({
      from: flat[i] as string,
      type: flat[i + 1] as string,
      to: flat[i + 2] as string,
      props: flat[i + 3] as string,
    });
  }
  return edges;
}

/** An adjacency member "<id>\0<type>\0<other>\0<props>" of node `id` -> the edge. */
function adjacentEdge(id: string, member: string, outgoing: boolean): EdgeRecord {
  const start = id.length + 1;
  const a = member.indexOf("\u0000", start);
  const b = member.indexOf("\u0000", a + 1);
  const type = member.slice(start, a);
  const other = member.slice(a + 1, b);
  const props = member.slice(b + 1);
  return outgoing ? { from: id, type, to: other, props } : { from: other, type, to: id, props };
}

/** One node's reply of GRAPH_NEIGHBORS: [out-edge count, then adjacency members]. */
function incidentEdges(id: string, reply: readonly (number | string)[]): EdgeRecord[] {
  const outs = reply[0] as number;
  const edges: EdgeRecord[] = [];
  for (let i = 1; i < reply.length; i++)
    edges.push(adjacentEdge(id, reply[i] as string, i <= outs));
  return edges;
}

/** Sorted unique types asked for, or undefined for all. */
function typesOf(query: NeighborQuery): string[] | undefined {
  return query.types ? [...new Set(query.types)].sort(compareUtf8) : undefined;
}

/** ZRANGEBYLEX bounds over node `id`'s adjacency members: all of them, or one range per type. */
function idRanges(id: string, types: readonly string[] | undefined): [string, string][] {
  if (!types) return [[`[${id}\u0000`, `(${id}\u0001`]];
  return types.map((t): [string, string] => [`[${id}\u0000${t}\u0000`, `(${id}\u0000${t}\u0001`]);
}

/**
 * Queues the reads of every id's incident edges (no limit) as plain commands: per id and direction
 * one ZRANGEBYLEX per type range. No script: its reply would cost Redis a conversion per item.
 */
function queueIncident(
  p: ChainableCommander,
  g: GraphKeys,
  ids: readonly string[],
  query: NeighborQuery,
): void {
  const types = typesOf(query);
  for (const id of ids) {
    const ranges = idRanges(id, types);
    if (query.direction !== "in") for (const [min, max] of ranges) p.zrangebylex(g.out, min, max);
    if (query.direction !== "out") for (const [min, max] of ranges) p.zrangebylex(g.in, min, max);
  }
}

/** Reads the replies queued by queueIncident, from position `at`. */
function readIncident(
  replies: readonly unknown[],
  at: number,
  ids: readonly string[],
  query: NeighborQuery,
): EdgeRecord[][] {
  const ranges = query.types ? new Set(query.types).size : 1;
  const result: EdgeRecord[][] = [];
  for (const id of ids) {
    const edges: EdgeRecord[] = [];
    if (query.direction !== "in") {
      for (let r = 0; r < ranges; r++)
        for (const m of replies[at++] as string[]) edges.push(adjacentEdge(id, m, true));
    }
    if (query.direction !== "out") {
      for (let r = 0; r < ranges; r++) {
        for (const m of replies[at++] as string[]) {
          const edge = adjacentEdge(id, m, false);
          // A self-loop is listed once, as out.
          if (query.direction === "both" && edge.from === id) continue;
          edges.push(edge);
        }
      }
    }
    result.push(edges);
  }
  return result;
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
  const types = typesOf(query) ?? [];
  return [query.direction, limit ? (query.limit ?? 0) : 0, types.length, ...types, ...ids];
}

function readNodes(
  ids: readonly string[],
  records: readonly (string | null)[],
): (NodeRecord | undefined)[] {
  return records.map((r, i) => (r === null ? undefined : nodeRecord(ids[i] as string, r)));
}

export function createRedisGraph(conn: Connection, layout: Layout): GraphDriver {
  const registry = new Registry(conn, layout.graphs, (name) => layout.graph(name).nodes);

  return {
    async upsertNodes(graph, nodes, mode) {
      const g = layout.graph(graph);
      const args: (string | number)[] = [mode];
      for (const n of nodes) {
        const typeMode = n.type === undefined ? "keep" : n.type === null ? "null" : "set";
        args.push(n.id, typeMode, n.type ?? "", markProps(n.props));
      }
      await registry.write<number>(graph, GRAPH_UPSERT_NODES, g.all, args, (r) => r === 1);
    },

    async upsertEdges(graph, edges, mode) {
      const g = layout.graph(graph);
      const args: (string | number)[] = [mode];
      for (const e of edges) args.push(e.from, e.type, e.to, markProps(e.props));
      await registry.write<number>(graph, GRAPH_UPSERT_EDGES, g.all, args, (r) => r === 1);
    },

    async getNodes(graph, ids) {
      const g = layout.graph(graph);
      const records = await conn.run((c) => c.call("HMGET", [g.node, ...ids]));
      return readNodes(ids, records as (string | null)[]);
    },

    async getEdges(graph, keys) {
      const g = layout.graph(graph);
      const fields = keys.map(edgeField);
      // Every edge has its props in eprop ("{}" included): one HMGET says which exist.
      const props = (await conn.run((c) => c.call("HMGET", [g.edgeProps, ...fields]))) as (
        | string
        | null
      )[];
      return keys.map((k, i) => {
        const p = props[i];
        return p === null || p === undefined
          ? undefined
          : { from: k.from, type: k.type, to: k.to, props: p };
      });
    },

    async deleteNodes(graph, ids) {
      const g = layout.graph(graph);
      return (await conn.write(GRAPH_DELETE_NODES, g.all, ids)) as number;
    },

    async deleteEdges(graph, keys) {
      const g = layout.graph(graph);
      return (await conn.write(GRAPH_DELETE_EDGES, g.all, [...edgeArgs(keys)])) as number;
    },

    async neighbors(graph, ids, query) {
      const g = layout.graph(graph);
      if (!query.limit) {
        const replies = await conn.pipeline((p) => queueIncident(p, g, ids, query));
        return readIncident(replies, 0, ids, query);
      }
      const reply = (await conn.script(GRAPH_NEIGHBORS, g.all, [
        ...neighborArgs(ids, query, true),
      ])) as (number | string)[][];
      return reply.map((r, i) => incidentEdges(ids[i] as string, r));
    },

    async degree(graph, ids, query) {
      const g = layout.graph(graph);
      return (await conn.script(GRAPH_DEGREE, g.all, [
        ...neighborArgs(ids, query, false),
      ])) as number[];
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
      const byType = query.type === undefined ? "0" : "1";
      const flat = (await conn.script(GRAPH_LIST_NODES, g.all, [
        min,
        max,
        query.limit,
        byType,
      ])) as string[];
      const nodes: NodeRecord[] = [];
      for (let i = 0; i < flat.length; i += 2)
        nodes.push(nodeRecord(flat[i] as string, flat[i + 1] as string));
      return nodes;
    },

    async listEdges(graph, query) {
      const g = layout.graph(graph);
      const after = query.after;
      if (query.type === undefined) {
        // The out set is the edge index: members "<from>\0<type>\0<to>\0<props>" in (from,
        // type, to) order; every member of `after` sorts before "<after>\1".
        const min =
          after === undefined ? "-" : `[${after.from}\u0000${after.type}\u0000${after.to}\u0001`;
        const members = await conn.run((c) =>
          c.zrangebylex(g.out, min, "+", "LIMIT", 0, query.limit),
        );
        return members.map((m) => {
          const a = m.indexOf("\u0000");
          return adjacentEdge(m.slice(0, a), m, true);
        });
      }
      const t = query.type;
      const max = `(${t}\u0001`;
      let min: string;
      if (after === undefined) min = `[${t}\u0000`;
      else {
        const order = compareUtf8(t, after.type);
        // Past `after` in (from, type, to) order: same from and a later type, or a later from.
        if (order === 0) min = `(${t}\u0000${after.from}\u0000${after.to}`;
        else if (order > 0) min = `[${t}\u0000${after.from}\u0000`;
        else min = `[${t}\u0000${after.from}\u0001`;
      }
      const flat = (await conn.script(GRAPH_LIST_EDGES_BY_TYPE, g.all, [
        min,
        max,
        query.limit,
      ])) as string[];
      return edgeRecords(flat);
    },

    async stats(graph) {
      const g = layout.graph(graph);
      const [nodes, edges] = await conn.pipeline((p) => {
        p.zcard(g.nodes);
        p.hlen(g.edgeProps);
      });
      return { nodes: nodes as number, edges: edges as number };
    },

    async clear(graph) {
      const g = layout.graph(graph);
      // One atomic step: UNLINK frees large keys in the background, so its cost on the server's
      // main thread does not grow with the graph.
      await conn.run((c) => c.unlink(...g.all));
      await registry.forgetIfEmpty([graph]);
    },

    async graphs() {
      const names = await registry.names();
      if (names.length === 0) return [];
      const sizes = await conn.fanOut(
        names.map((name) => ["ZCARD", layout.graph(name).nodes] as const),
      );
      await registry.forgetIfEmpty(names.filter((_, i) => sizes[i] === 0));
      return names.filter((_, i) => (sizes[i] as number) > 0);
    },

    /**
     * Core's traversal (`walkLevels`, so the semantics are core's), with the reads of each level in
     * one pipeline: the level's node records and, when it will be expanded, its incident edges.
     */
    async traverse(graph, seeds, query): Promise<TraverseRecords> {
      const g: GraphKeys = layout.graph(graph);
      const neighborQuery: NeighborQuery = query.types
        ? { direction: query.direction, types: query.types }
        : { direction: query.direction };
      const fetchLevel = async (ids: readonly string[], expand: boolean) => {
        const replies = await conn.pipeline((p) => {
          p.call("HMGET", [g.node, ...ids]);
          if (expand) queueIncident(p, g, ids, neighborQuery);
        });
        const incident = new Map<string, EdgeRecord[]>();
        if (expand) {
          readIncident(replies, 1, ids, neighborQuery).forEach((edges, i) => {
            incident.set(ids[i] as string, edges);
          });
        }
        return { nodes: readNodes(ids, replies[0] as (string | null)[]), incident };
      };
      return walkLevels(seeds, query, fetchLevel);
    },
  };
}
