// The scenarios every backend runs, the data they use, and what a raw implementation provides.
// Both variants of a scenario do the same work on the same data shape: same keys, same values,
// JSON text as the stored form, one round trip per batch.

import type { Store } from "@stowage/core";
import type { Scenario } from "./harness.ts";

/** A record shaped like a typical session/document-status entry (~170 bytes of JSON). */
export interface BenchValue {
  id: number;
  name: string;
  email: string;
  tags: string[];
  score: number;
  active: boolean;
  updatedAt: string;
}

export function makeValue(i: number): BenchValue {
  return {
    id: i,
    name: `user ${i}`,
    email: `user${i}@example.com`,
    tags: ["alpha", "beta", "gamma"],
    score: i * 1.5,
    active: i % 2 === 0,
    updatedAt: "2025-01-01T00:00:00.000Z",
  };
}

export const BATCH = 1000;
export const PAGE = 100;
export const GRAPH_NODES = 2000;
export const OUT_DEGREE = 5;
export const TRAVERSE_DEPTH = 3;
export const EDGE_TYPES = ["cites", "knows", "likes"] as const;

export function keyOf(i: number): string {
  return `user:${String(i).padStart(6, "0")}`;
}

export const BATCH_KEYS: readonly string[] = Array.from({ length: BATCH }, (_, i) => keyOf(i));
export const BATCH_ITEMS: readonly { key: string; value: BenchValue }[] = BATCH_KEYS.map((key, i) => ({ key, value: makeValue(i) }));

export interface BenchNode {
  id: string;
  type: string;
  props: { name: string; rank: number };
}

export interface BenchEdge {
  from: string;
  type: string;
  to: string;
  props: { weight: number; since: number };
}

export function nodeId(i: number): string {
  return `n${String(i).padStart(5, "0")}`;
}

/** Deterministic PRNG (mulberry32), so every backend and every run gets the same graph. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const GRAPH_NODE_LIST: readonly BenchNode[] = Array.from({ length: GRAPH_NODES }, (_, i) => ({
  id: nodeId(i),
  type: "entity",
  props: { name: `entity ${i}`, rank: i },
}));

/** ~10k edges: every node has OUT_DEGREE out-edges to random other nodes, no duplicate keys. */
export const GRAPH_EDGE_LIST: readonly BenchEdge[] = (() => {
  const random = prng(42);
  const edges: BenchEdge[] = [];
  for (let i = 0; i < GRAPH_NODES; i++) {
    const seen = new Set<string>();
    while (seen.size < OUT_DEGREE) {
      const to = nodeId(Math.floor(random() * GRAPH_NODES));
      const type = EDGE_TYPES[Math.floor(random() * EDGE_TYPES.length)] as string;
      const id = `${type}\u0000${to}`;
      if (seen.has(id) || to === nodeId(i)) continue;
      seen.add(id);
      edges.push({ from: nodeId(i), type, to, props: { weight: Math.round(random() * 100) / 100, since: 2000 + (i % 25) } });
    }
  }
  return edges;
})();

/** The 1000 edges the upsert scenario writes (again and again: the merge path), in a graph of its own. */
export const UPSERT_EDGES: readonly BenchEdge[] = GRAPH_EDGE_LIST.slice(0, BATCH);
/**
 * The timed upserts alternate between two versions of the same edges whose props differ, so every
 * call really changes every edge on both sides (a driver that skips unchanged edges gains nothing).
 */
const UPSERT_ROUNDS: readonly (readonly BenchEdge[])[] = [1, 2].map((bump) =>
  UPSERT_EDGES.map((e) => ({ ...e, props: { ...e.props, weight: e.props.weight + bump } })),
);

/** Returns the next batch of an alternating sequence (one sequence per side). */
function alternating<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length] as T;
}

export const NEIGHBOR_NODE = nodeId(42);
export const TRAVERSE_SEED = nodeId(0);

export interface TraverseOutcome {
  nodes: { id: string; type: string | null; props: unknown; depth: number }[];
  edges: { from: string; type: string; to: string; props: unknown }[];
}

export interface NeighborOutcome {
  id: string;
  direction: "out" | "in";
  edge: { from: string; type: string; to: string; props: unknown };
}

/** Names of the stowage namespaces/graphs and the raw tables/keys of one run. */
export interface Names {
  /** KV namespace for single-key scenarios (set, get, update). */
  readonly one: string;
  /** KV namespace holding the 1000 batch keys (setMany, getMany, list). */
  readonly batch: string;
  /** Graph the upsert scenario writes. */
  readonly upsertGraph: string;
  /** The ~10k-edge graph for neighbors and traverse. */
  readonly graph: string;
}

export function namesFor(run: string): Names {
  return { one: `bench-${run}-one`, batch: `bench-${run}-batch`, upsertGraph: `bench-${run}-up`, graph: `bench-${run}-g` };
}

/**
 * The hand-written side: the same operations over the raw client, on its own tables/keys.
 * `ns`/`graph` are the same names the stowage side uses (raw storage is separate anyway).
 */
export interface RawOps {
  set(ns: string, key: string, value: BenchValue): Promise<unknown>;
  get(ns: string, key: string): Promise<BenchValue | undefined>;
  setMany(ns: string, items: readonly { key: string; value: BenchValue }[]): Promise<unknown>;
  getMany(ns: string, keys: readonly string[]): Promise<(BenchValue | undefined)[]>;
  /** One page of keys after `after` (exclusive), in byte order. */
  listPage(ns: string, after: string | undefined, limit: number): Promise<string[]>;
  /** Read, apply `fn`, write only if nobody wrote in between (one attempt suffices here). */
  update(ns: string, key: string, fn: (old: BenchValue) => BenchValue): Promise<unknown>;
  upsertNodes(graph: string, nodes: readonly BenchNode[]): Promise<void>;
  /** Merge mode: props merged top-level over the stored ones; missing endpoints created bare. */
  upsertEdges(graph: string, edges: readonly BenchEdge[]): Promise<void>;
  /** Direction both: out-edges by (type, to), then in-edges by (type, from). */
  neighbors(graph: string, id: string): Promise<NeighborOutcome[]>;
  /** Direction out, no truncation needed (the reach is far below maxNodes). */
  traverse(graph: string, seed: string, maxDepth: number): Promise<TraverseOutcome>;
}

const bump = (old: BenchValue): BenchValue => ({ ...old, score: old.score + 1 });

/** Loads the data both sides read. Not timed. */
export async function seed(store: Store, raw: RawOps, names: Names): Promise<void> {
  await store.kv<BenchValue>(names.one).set("single", makeValue(1));
  await raw.set(names.one, "single", makeValue(1));
  await store.kv<BenchValue>(names.batch).setMany(BATCH_ITEMS);
  await raw.setMany(names.batch, BATCH_ITEMS);
  const g = store.graph(names.graph);
  for (let i = 0; i < GRAPH_NODE_LIST.length; i += BATCH) {
    const slice = GRAPH_NODE_LIST.slice(i, i + BATCH);
    await g.upsertNodes(slice);
    await raw.upsertNodes(names.graph, slice);
  }
  for (let i = 0; i < GRAPH_EDGE_LIST.length; i += BATCH) {
    const slice = GRAPH_EDGE_LIST.slice(i, i + BATCH);
    await g.upsertEdges(slice);
    await raw.upsertEdges(names.graph, slice);
  }
  await store.graph(names.upsertGraph).upsertEdges(UPSERT_EDGES);
  await raw.upsertEdges(names.upsertGraph, UPSERT_EDGES);
}

export function scenarios(store: Store, raw: RawOps, names: Names): Scenario[] {
  const one = store.kv<BenchValue>(names.one);
  const batch = store.kv<BenchValue>(names.batch);
  const upGraph = store.graph(names.upsertGraph);
  const nextStowageUpsert = alternating(UPSERT_ROUNDS);
  const nextRawUpsert = alternating(UPSERT_ROUNDS);
  const graph = store.graph(names.graph);
  let counter = 0;
  return [
    {
      name: "set",
      description: "write one key (overwrite)",
      stowage: () => one.set("single", makeValue(++counter)),
      raw: () => raw.set(names.one, "single", makeValue(++counter)),
    },
    {
      name: "get",
      description: "read one key",
      stowage: () => one.get("single"),
      raw: () => raw.get(names.one, "single"),
    },
    {
      name: "setMany 1000",
      description: "write 1000 keys in one batch",
      stowage: () => batch.setMany(BATCH_ITEMS),
      raw: () => raw.setMany(names.batch, BATCH_ITEMS),
    },
    {
      name: "getMany 1000",
      description: "read 1000 keys in one batch",
      stowage: () => batch.getMany(BATCH_KEYS),
      raw: () => raw.getMany(names.batch, BATCH_KEYS),
    },
    {
      name: "list 1000 / 100",
      description: "list 1000 keys in pages of 100 (keyset pagination)",
      stowage: async () => {
        let cursor: string | undefined;
        let n = 0;
        do {
          const page = await batch.list({ limit: PAGE, ...(cursor ? { cursor } : {}) });
          n += page.items.length;
          cursor = page.cursor;
        } while (cursor);
        return n;
      },
      raw: async () => {
        let after: string | undefined;
        let n = 0;
        for (;;) {
          const keys = await raw.listPage(names.batch, after, PAGE);
          n += keys.length;
          if (keys.length < PAGE) return n;
          after = keys[keys.length - 1];
        }
      },
    },
    {
      name: "update",
      description: "read one key, change it, write it if unchanged (compare-and-set)",
      stowage: () => one.update("single", (old) => bump(old as BenchValue)),
      raw: () => raw.update(names.one, "single", bump),
    },
    {
      name: "upsertEdges 1000",
      description: "upsert 1000 existing edges with changed props (merge) in one batch",
      stowage: () => upGraph.upsertEdges(nextStowageUpsert()),
      raw: () => raw.upsertEdges(names.upsertGraph, nextRawUpsert()),
    },
    {
      name: "neighbors",
      description: "edges of one node, both directions, with props",
      stowage: () => graph.neighbors(NEIGHBOR_NODE, { direction: "both" }),
      raw: () => raw.neighbors(names.graph, NEIGHBOR_NODE),
    },
    {
      name: "traverse d3",
      description: `out-traversal to depth ${TRAVERSE_DEPTH} on a ${GRAPH_EDGE_LIST.length}-edge graph, nodes and edges with props`,
      stowage: () => graph.traverse(TRAVERSE_SEED, { maxDepth: TRAVERSE_DEPTH, direction: "out" }),
      raw: () => raw.traverse(names.graph, TRAVERSE_SEED, TRAVERSE_DEPTH),
    },
  ];
}

/**
 * Checks once, before timing, that both sides return the same answers: a benchmark of two
 * different pieces of work would be meaningless. Returns the differences found.
 */
export async function verify(store: Store, raw: RawOps, names: Names): Promise<string[]> {
  const problems: string[] = [];
  const same = (what: string, a: unknown, b: unknown) => {
    const x = canonical(a);
    const y = canonical(b);
    if (x !== y) problems.push(`${what}: stowage ${x.slice(0, 160)} ≠ raw ${y.slice(0, 160)}`);
  };
  const one = store.kv<BenchValue>(names.one);
  const batch = store.kv<BenchValue>(names.batch);
  same("get", (await one.get("single"))?.id, (await raw.get(names.one, "single"))?.id);
  same("getMany", (await batch.getMany(BATCH_KEYS)).map((v) => v?.id), (await raw.getMany(names.batch, BATCH_KEYS)).map((v) => v?.id));
  const page = await batch.list({ limit: PAGE });
  same("list page 1", page.items, await raw.listPage(names.batch, undefined, PAGE));
  const page2 = await batch.list({ limit: PAGE, cursor: page.cursor as string });
  same("list page 2", page2.items, await raw.listPage(names.batch, page.items[PAGE - 1], PAGE));
  const graph = store.graph(names.graph);
  const nb = await graph.neighbors(NEIGHBOR_NODE, { direction: "both" });
  const rnb = await raw.neighbors(names.graph, NEIGHBOR_NODE);
  same("neighbors", nb.map((n) => [n.id, n.direction, n.edge.type, n.edge.props]), rnb.map((n) => [n.id, n.direction, n.edge.type, n.edge.props]));
  const t = await graph.traverse(TRAVERSE_SEED, { maxDepth: TRAVERSE_DEPTH, direction: "out" });
  const rt = await raw.traverse(names.graph, TRAVERSE_SEED, TRAVERSE_DEPTH);
  same("traverse nodes", t.nodes.map((n) => [n.id, n.depth, n.type, n.props]), rt.nodes.map((n) => [n.id, n.depth, n.type, n.props]));
  same("traverse edges", t.edges.map((e) => [e.from, e.type, e.to, e.props]), rt.edges.map((e) => [e.from, e.type, e.to, e.props]));
  return problems;
}

/** JSON with object keys sorted, so that a backend's key order (jsonb sorts them) does not count. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  ) ?? "undefined";
}
