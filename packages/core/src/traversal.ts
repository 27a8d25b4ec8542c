// Graph walks over `neighbors`, one batched driver call per depth level, never one per node.
// These functions define the semantics; a driver's native `traverse` must return the same.
//
// traverse(seeds, {maxDepth, direction, types, maxNodes}):
//   - depth(seed) = 0 for seeds that exist; depth(n) = 1 + min depth of a neighbour reaching it.
//   - nodes: every node with depth <= maxDepth, ordered by (depth, id); the first maxNodes kept,
//     `truncated` true when more were reachable. Nodes past a cut are not expanded.
//   - edges: every edge matching direction/types whose two ends are kept nodes and which is
//     followed from a kept end whose depth < maxDepth; ordered by (from, type, to), once each.
// findPaths(from, to): simple paths (no repeated node) of at most maxDepth edges, ordered by
//   length, then by their edges' (from, type, to) sequences; at most maxPaths.
// shortestPath(from, to): the first path findPaths would return.

import { ValidationError } from "./errors.ts";
import { checkDirection, checkTypes } from "./options.ts";
import type { Direction, EdgeRecord, GraphDriver, NeighborQuery, NodeRecord, PathQuery, PathRecord, TraverseQuery, TraverseRecords } from "./spi.ts";
import type { FindPathsOptions, PathOptions, TraverseOptions } from "./types.ts";
import { checkKey, checkNonNegativeInt, checkPositiveInt, compareEdgeKeys, compareUtf8, describe } from "./validate.ts";

export const MAX_DEPTH = 1000;
export const DEFAULT_MAX_NODES = 10_000;
export const DEFAULT_MAX_PATHS = 100;
/** Partial paths findPaths may hold at once before it gives up (dense graphs explode). */
export const MAX_PARTIAL_PATHS = 200_000;

export type RecordPath = PathRecord;

function checkMaxDepth(options: { maxDepth?: unknown } | undefined): number {
  if (options === undefined || options === null || options.maxDepth === undefined) {
    throw new ValidationError("INVALID_OPTION", "maxDepth is required: every traversal needs a depth bound");
  }
  return checkNonNegativeInt(options.maxDepth, "maxDepth", MAX_DEPTH);
}

function neighborQuery(direction: Direction, types: readonly string[] | undefined): NeighborQuery {
  return types ? { direction, types } : { direction };
}

/** The node at the other end of `edge` when walking from `from`. */
function otherEnd(edge: EdgeRecord, from: string): string {
  return edge.from === from ? edge.to : edge.from;
}

function edgeId(e: EdgeRecord): string {
  return `${e.from}\u0000${e.type}\u0000${e.to}`;
}

/**
 * Reads one level of a walk: the records of `ids` and, when `expand`, their incident edges (as
 * `GraphDriver.neighbors` lists them). Drivers with a faster way to read both at once (one
 * pipeline, one query) pass their own to `walkLevels`; the semantics stay core's.
 */
export type FetchLevel = (
  ids: string[],
  expand: boolean,
) => Promise<{ nodes: (NodeRecord | undefined)[]; incident: Map<string, EdgeRecord[]> }>;

/** The level-by-level walk that defines traverse(): one `fetchLevel` call per depth level. */
export async function walkLevels(seeds: readonly string[], query: TraverseQuery, fetchLevel: FetchLevel): Promise<TraverseRecords> {
  const { maxDepth, maxNodes } = query;
  const records = new Map<string, NodeRecord>();
  const depth = new Map<string, number>();
  let truncated = false;
  let level: string[] = [];
  let fetched = await fetchLevel([...seeds], maxDepth > 0);
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

/** Core's default FetchLevel: the level's node records and incident edges, read concurrently. */
export function fetchLevelWith(g: GraphDriver, graph: string, query: NeighborQuery): FetchLevel {
  return async (ids, expand) => {
    const [nodes, lists] = await Promise.all([g.getNodes(graph, ids), expand ? g.neighbors(graph, ids, query) : []]);
    return { nodes, incident: new Map(expand ? ids.map((id, i) => [id, lists[i] ?? []]) : []) };
  };
}

/** Checks traverse options (throws ValidationError) and returns the driver's query. */
export function traverseQuery(options: TraverseOptions): TraverseQuery {
  const maxDepth = checkMaxDepth(options);
  const direction = checkDirection(options.direction);
  const types = checkTypes(options.types);
  const maxNodes = options.maxNodes === undefined ? DEFAULT_MAX_NODES : checkPositiveInt(options.maxNodes, "maxNodes", 10_000_000);
  return { maxDepth, direction, maxNodes, ...(types ? { types } : {}) };
}

export async function traverse(
  g: GraphDriver,
  graph: string,
  seedsInput: string | readonly string[],
  options: TraverseOptions,
  native: boolean,
): Promise<TraverseRecords> {
  const query = traverseQuery(options);
  const seedList = typeof seedsInput === "string" ? [seedsInput] : seedsInput;
  if (!Array.isArray(seedList)) throw new ValidationError("INVALID_OPTION", `seeds must be an id or an array of ids, got ${describe(seedsInput)}`);
  const seeds = [...new Set(seedList.map((s) => checkKey(s, "seed id")))].sort(compareUtf8);
  return traverseChecked(g, graph, seeds, query, native);
}

/** `traverse` with checked, unique, byte-ordered seeds and a checked query. */
export async function traverseChecked(
  g: GraphDriver,
  graph: string,
  seeds: readonly string[],
  query: TraverseQuery,
  native: boolean,
): Promise<TraverseRecords> {
  if (seeds.length === 0) return { nodes: [], edges: [], truncated: false };
  if (native && g.traverse) return g.traverse(graph, seeds, query);
  return walkLevels(seeds, query, fetchLevelWith(g, graph, neighborQuery(query.direction, query.types)));
}

/** Core's path order: by length, then by the edges' (from, type, to) sequences. */
export function comparePaths(a: RecordPath, b: RecordPath): number {
  if (a.edges.length !== b.edges.length) return a.edges.length - b.edges.length;
  for (let i = 0; i < a.edges.length; i++) {
    const c = compareEdgeKeys(a.edges[i] as EdgeRecord, b.edges[i] as EdgeRecord);
    if (c !== 0) return c;
  }
  return 0;
}

function pathArgs(from: string, to: string, options: PathOptions) {
  return {
    from: checkKey(from, "from"),
    to: checkKey(to, "to"),
    maxDepth: checkMaxDepth(options),
    query: neighborQuery(checkDirection(options.direction), checkTypes(options.types)),
  };
}

/** The driver's native path search, when it has one and does not decline. */
function nativePaths(g: GraphDriver, graph: string, args: ReturnType<typeof pathArgs>, maxPaths: number, shortest: boolean): Promise<RecordPath[] | undefined> {
  if (!g.findPaths) return Promise.resolve(undefined);
  const { direction, types } = args.query;
  const query: PathQuery = { maxDepth: args.maxDepth, direction, maxPaths, shortest, ...(types ? { types } : {}) };
  return g.findPaths(graph, args.from, args.to, query);
}

/** Groups the incident edges of each distinct id in one driver call. */
async function incidentEdges(g: GraphDriver, graph: string, ids: string[], query: NeighborQuery): Promise<Map<string, EdgeRecord[]>> {
  const unique = [...new Set(ids)];
  const lists = await g.neighbors(graph, unique, query);
  return new Map(unique.map((id, i) => [id, lists[i] ?? []]));
}

export async function findPaths(
  g: GraphDriver,
  graph: string,
  fromId: string,
  toId: string,
  options: FindPathsOptions,
): Promise<RecordPath[]> {
  const args = pathArgs(fromId, toId, options);
  const { from, to, maxDepth, query } = args;
  const maxPaths = options.maxPaths === undefined ? DEFAULT_MAX_PATHS : checkPositiveInt(options.maxPaths, "maxPaths", 1_000_000);
  const native = await nativePaths(g, graph, args, maxPaths, false);
  if (native) return native;
  const [start] = await g.getNodes(graph, [from]);
  if (!start) return [];
  if (from === to) return [{ nodes: [from], edges: [] }];
  const results: RecordPath[] = [];
  let partial: RecordPath[] = [{ nodes: [from], edges: [] }];
  for (let d = 1; d <= maxDepth && partial.length > 0; d++) {
    const adjacency = await incidentEdges(g, graph, partial.map((p) => p.nodes[p.nodes.length - 1] as string), query);
    const next: RecordPath[] = [];
    const complete: RecordPath[] = [];
    for (const path of partial) {
      const last = path.nodes[path.nodes.length - 1] as string;
      for (const edge of adjacency.get(last) ?? []) {
        const other = otherEnd(edge, last);
        if (path.nodes.includes(other)) continue; // simple paths only (also skips self-loops)
        const extended = { nodes: [...path.nodes, other], edges: [...path.edges, edge] };
        if (other === to) complete.push(extended);
        else if (d < maxDepth) next.push(extended);
      }
    }
    complete.sort(comparePaths);
    for (const path of complete) {
      results.push(path);
      if (results.length >= maxPaths) return results;
    }
    if (next.length > MAX_PARTIAL_PATHS) {
      throw new ValidationError(
        "INVALID_OPTION",
        `findPaths would follow more than ${MAX_PARTIAL_PATHS} partial paths at depth ${d}: lower maxDepth, filter by types, or use shortestPath`,
      );
    }
    partial = next;
  }
  return results;
}

export async function shortestPath(
  g: GraphDriver,
  graph: string,
  fromId: string,
  toId: string,
  options: PathOptions,
): Promise<RecordPath | undefined> {
  const args = pathArgs(fromId, toId, options);
  const { from, to, maxDepth, query } = args;
  const native = await nativePaths(g, graph, args, 1, true);
  if (native) return native[0];
  const [start] = await g.getNodes(graph, [from]);
  if (!start) return undefined;
  if (from === to) return { nodes: [from], edges: [] };
  // Breadth-first, keeping for each node only its smallest path: equal-length paths compare by
  // their prefixes first, so the smallest path to a node extends the smallest path to a parent.
  const best = new Map<string, RecordPath>([[from, { nodes: [from], edges: [] }]]);
  let frontier = [from];
  for (let d = 1; d <= maxDepth && frontier.length > 0; d++) {
    const adjacency = await incidentEdges(g, graph, frontier, query);
    const reached = new Map<string, RecordPath>();
    for (const id of frontier) {
      const base = best.get(id) as RecordPath;
      for (const edge of adjacency.get(id) ?? []) {
        const other = otherEnd(edge, id);
        if (best.has(other)) continue;
        const candidate = { nodes: [...base.nodes, other], edges: [...base.edges, edge] };
        const current = reached.get(other);
        if (!current || comparePaths(candidate, current) < 0) reached.set(other, candidate);
      }
    }
    const hit = reached.get(to);
    if (hit) return hit;
    for (const [id, path] of reached) best.set(id, path);
    frontier = [...reached.keys()];
  }
  return undefined;
}
