// The scenarios every backend runs, the data they use, and what a raw implementation provides.
// Both variants of a scenario do the same work on the same data shape: same keys, same values,
// JSON text as the stored form, one round trip per batch.

import type { Store } from "@stowage/core";
import type { Scenario } from "./harness.ts";
import type { KeyvOps } from "./keyv.ts";

/** A record shaped like a typical session/document-status entry: ~100 bytes of JSON (`blob` pads it to 4 KiB / 64 KiB). */
export interface BenchValue {
  id: number;
  name: string;
  tags: string[];
  score: number;
  active: boolean;
  blob?: string;
}

export function makeValue(i: number, bytes = 100): BenchValue {
  const v: BenchValue = {
    id: i,
    name: `user ${i}`,
    tags: ["alpha", "beta"],
    score: i * 1.5,
    active: i % 2 === 0,
  };
  const size = JSON.stringify(v).length;
  if (bytes > size + 12) v.blob = "x".repeat(bytes - size - 10);
  return v;
}

/** Value sizes of the sized get/set scenarios. */
export const VALUE_SIZES: readonly (readonly [label: string, bytes: number])[] = [
  ["100 B", 100],
  ["4 KiB", 4096],
  ["64 KiB", 65536],
];

export const BATCH = 1000;
export const PAGE = 100;
export const TRAVERSE_DEPTH = 3;
export const PATH_DEPTH = 4;
export const EDGE_TYPES = ["cites", "knows", "likes"] as const;

/** How big the dataset is (flags --keys, --others, --nodes; --quick shrinks them). */
export interface DataConfig {
  /** Keys in the measured namespace. */
  readonly keys: number;
  /** Keys in another namespace of the same table/keyspace (stowage and raw-same only). */
  readonly others: number;
  /** Nodes of the measured graph (besides the hub). */
  readonly nodes: number;
  /** Out-degree of the hub node. */
  readonly hubDegree: number;
  /** Nodes (and as many edges) of the bulk-load scenario. */
  readonly load: number;
}

export const FULL_DATA: DataConfig = {
  keys: 100_000,
  others: 1_000_000,
  nodes: 20_000,
  hubDegree: 10_000,
  load: 10_000,
};
export const QUICK_DATA: DataConfig = {
  keys: 2_000,
  others: 0,
  nodes: 2_000,
  hubDegree: 1_000,
  load: 500,
};

/** The smallest string above every key with this (ASCII, non-empty) prefix: an index range's end. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export function keyOf(i: number): string {
  return `user:${String(i).padStart(7, "0")}`;
}

export const BATCH_KEYS: readonly string[] = Array.from({ length: BATCH }, (_, i) => keyOf(i));
export const BATCH_ITEMS: readonly { key: string; value: BenchValue }[] = BATCH_KEYS.map(
  (key, i) => ({ key, value: makeValue(i) }),
);

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
  return `n${String(i).padStart(6, "0")}`;
}

export const HUB = "hub";

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

export interface GraphData {
  readonly nodes: readonly BenchNode[];
  readonly edges: readonly BenchEdge[];
}

/**
 * A power-law graph: out-degrees 1..40 with a heavy tail (most nodes 1-3, a few dozens), targets
 * skewed towards low ids (popular nodes collect many in-edges), and one hub with `hubDegree`
 * out-edges. No edge points INTO the hub, so an out-walk from an ordinary seed never floods
 * through it (its neighbours are measured on their own).
 */
export function makeGraph(config: DataConfig, seed = 42): GraphData {
  const random = prng(seed);
  const n = config.nodes;
  const nodes: BenchNode[] = [{ id: HUB, type: "hub", props: { name: "the hub", rank: -1 } }];
  for (let i = 0; i < n; i++)
    nodes.push({ id: nodeId(i), type: "entity", props: { name: `entity ${i}`, rank: i } });
  const edges: BenchEdge[] = [];
  const props = (i: number) => ({
    weight: Math.round(random() * 100) / 100,
    since: 2000 + (i % 25),
  });
  for (let i = 0; i < n; i++) {
    const degree = Math.min(40, Math.floor(1 / (1 - random() * 0.97) ** 1.2));
    const seen = new Set<string>();
    for (let tries = 0; seen.size < degree && tries < degree * 4; tries++) {
      const to = nodeId(Math.floor(n * random() ** 2));
      const type = EDGE_TYPES[Math.floor(random() * EDGE_TYPES.length)] as string;
      const id = `${type}\u0000${to}`;
      if (seen.has(id) || to === nodeId(i)) continue;
      seen.add(id);
      edges.push({ from: nodeId(i), type, to, props: props(i) });
    }
  }
  for (let i = 0; i < Math.min(config.hubDegree, n); i++) {
    edges.push({
      from: HUB,
      type: EDGE_TYPES[i % 3] as string,
      to: nodeId(Math.floor((i * n) / config.hubDegree)),
      props: props(i),
    });
  }
  return { nodes, edges };
}

/** A seed with a moderate out-degree (the traversal and path searches start there). */
export function pickSeed(data: GraphData): string {
  const out = new Map<string, number>();
  for (const e of data.edges) out.set(e.from, (out.get(e.from) ?? 0) + 1);
  for (const node of data.nodes)
    if (node.id !== HUB && (out.get(node.id) ?? 0) >= 4) return node.id;
  return nodeId(0);
}

/** A target `PATH_DEPTH` or fewer out-hops from `seed` with several paths to it. */
export function pickTarget(data: GraphData, seed: string): string {
  const adjacency = new Map<string, string[]>();
  for (const e of data.edges) adjacency.set(e.from, [...(adjacency.get(e.from) ?? []), e.to]);
  const paths = new Map<string, number>([[seed, 1]]);
  let frontier = new Map<string, number>([[seed, 1]]);
  for (let d = 1; d <= 3; d++) {
    const next = new Map<string, number>();
    for (const [id, count] of frontier)
      for (const to of adjacency.get(id) ?? []) next.set(to, (next.get(to) ?? 0) + count);
    for (const [id, c] of next) paths.set(id, (paths.get(id) ?? 0) + c);
    frontier = next;
  }
  paths.delete(seed);
  const best = [...paths].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[
    Math.min(5, paths.size - 1)
  ];
  return best?.[0] ?? nodeId(1);
}

/** Returns the next item of an alternating sequence (one sequence per side). */
function alternating<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length] as T;
}

export interface TraverseOutcome {
  nodes: { id: string; type: string | null; props: unknown; depth: number }[];
  edges: { from: string; type: string; to: string; props: unknown }[];
}

export interface NeighborOutcome {
  id: string;
  direction: "out" | "in";
  edge: { from: string; type: string; to: string; props: unknown };
}

export interface PathOutcome {
  nodes: string[];
  edges: { from: string; type: string; to: string; props: unknown }[];
}

/** Names of the stowage namespaces/graphs; the raw sides use the same names in their own storage. */
export interface Names {
  /** Single-key and sized-value scenarios (set, get, update, delete). */
  readonly one: string;
  /** The measured namespace: `keys` keys. */
  readonly kv: string;
  /** Other data in the same table/keyspace: `others` keys. */
  readonly others: string;
  /** Scratch namespace for clear and deleteMany (refilled before every operation). */
  readonly scratch: string;
  /** Graph the upsert scenario writes. */
  readonly upsertGraph: string;
  /** The measured graph: power law and a hub. */
  readonly graph: string;
  /** Scratch graph for the bulk load (cleared before every operation). */
  readonly loadGraph: string;
  /** Keyv only: the 1,000 entries `iterate` reads, as a namespace of their own. */
  readonly iter: string;
}

export function namesFor(run: string): Names {
  const b = `bench-${run}`;
  return {
    one: `${b}-one`,
    kv: `${b}-kv`,
    others: `${b}-others`,
    scratch: `${b}-scratch`,
    upsertGraph: `${b}-up`,
    graph: `${b}-g`,
    loadGraph: `${b}-load`,
    iter: `${b}-iter`,
  };
}

/**
 * Hand-written code doing a job over the raw client, on its own tables/keys. A backend provides
 * one for raw-same-guarantees (versions, ordered index, expiry) and one for raw-minimal (the
 * fastest code for the job without them). Methods a baseline does not have are left out and
 * shown as "–".
 */
export interface RawOps {
  set?(ns: string, key: string, value: BenchValue): Promise<unknown>;
  setWithTtl?(ns: string, key: string, value: BenchValue, ttlMs: number): Promise<unknown>;
  get?(ns: string, key: string): Promise<BenchValue | undefined>;
  delete?(ns: string, key: string): Promise<unknown>;
  setMany?(ns: string, items: readonly { key: string; value: BenchValue }[]): Promise<unknown>;
  getMany?(ns: string, keys: readonly string[]): Promise<(BenchValue | undefined)[]>;
  deleteMany?(ns: string, keys: readonly string[]): Promise<unknown>;
  /** One page of keys after `after` (exclusive), in byte order. */
  listPage?(ns: string, after: string | undefined, limit: number): Promise<string[]>;
  /** One page of entries with a key prefix, after `after`, in byte order. */
  entriesPage?(
    ns: string,
    prefix: string,
    after: string | undefined,
    limit: number,
  ): Promise<[string, BenchValue][]>;
  count?(ns: string): Promise<number>;
  clear?(ns: string): Promise<unknown>;
  /** Read, apply `fn`, write only if nobody wrote in between (one attempt suffices here). */
  update?(ns: string, key: string, fn: (old: BenchValue) => BenchValue): Promise<unknown>;
  upsertNodes?(graph: string, nodes: readonly BenchNode[]): Promise<void>;
  /** Merge mode: props merged top-level over the stored ones; missing endpoints created bare. */
  upsertEdges?(graph: string, edges: readonly BenchEdge[]): Promise<void>;
  clearGraph?(graph: string): Promise<void>;
  getNodes?(graph: string, ids: readonly string[]): Promise<unknown[]>;
  /** Out-edges by (type, to), then in-edges by (type, from); at most `limit` in all. */
  neighbors?(graph: string, id: string, limit?: number): Promise<NeighborOutcome[]>;
  /** Out-edges and in-edges (a self-loop once). */
  degree?(graph: string, id: string): Promise<number>;
  /** Direction out, no truncation needed (the reach is far below maxNodes). */
  traverse?(graph: string, seed: string, maxDepth: number): Promise<TraverseOutcome>;
  /** Direction out: simple paths, by length then edge keys, at most maxPaths. */
  findPaths?(
    graph: string,
    from: string,
    to: string,
    maxDepth: number,
    maxPaths: number,
  ): Promise<PathOutcome[]>;
}

const bump = (old: BenchValue): BenchValue => ({ ...old, score: old.score + 1 });

export interface Sides {
  readonly store: Store;
  readonly raw: RawOps;
  readonly minimal?: RawOps;
  /** Keyv 5 with its official adapter for the backend (KV jobs only). */
  readonly keyv?: KeyvOps;
}

function baselines(sides: Sides): RawOps[] {
  const out = [sides.raw];
  if (sides.minimal) out.push(sides.minimal);
  if (sides.keyv) out.push(sides.keyv);
  return out;
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (batch: T[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await fn(items.slice(i, i + size));
}

/** Loads the data every side reads. Not timed. */
export async function seed(
  sides: Sides,
  names: Names,
  config: DataConfig,
  graph: GraphData,
  log: (line: string) => void,
): Promise<void> {
  const { store, raw } = sides;
  const all = baselines(sides);
  const t0 = performance.now();
  const one = store.kv<BenchValue>(names.one);
  for (const [label, bytes] of VALUE_SIZES) {
    await one.set(`v ${label}`, makeValue(1, bytes));
    for (const side of all) await side.set?.(names.one, `v ${label}`, makeValue(1, bytes));
  }
  const kv = store.kv<BenchValue>(names.kv);
  for (let i = 0; i < config.keys; i += 5000) {
    const items = Array.from({ length: Math.min(5000, config.keys - i) }, (_, j) => ({
      key: keyOf(i + j),
      value: makeValue(i + j),
    }));
    await kv.setMany(items);
    for (const side of all) await side.setMany?.(names.kv, items);
  }
  // Other data in the same table/keyspace: stowage's and raw-same's (raw-minimal keeps a table
  // per kind of data, so other data does not share its index).
  const others = store.kv<BenchValue>(names.others);
  for (let i = 0; i < config.others; i += 10_000) {
    const items = Array.from({ length: Math.min(10_000, config.others - i) }, (_, j) => ({
      key: keyOf(i + j),
      value: makeValue(i + j),
    }));
    await others.setMany(items);
    await raw.setMany?.(names.others, items);
    // Keyv keeps every namespace in one table/keyspace too.
    await sides.keyv?.setMany?.(names.others, items);
  }
  // Keyv iterates a whole namespace (no prefix): it gets the iterated 1,000 entries as its own.
  await sides.keyv?.setMany?.(names.iter, BATCH_ITEMS);
  log(
    `kv: ${config.keys} keys + ${config.others} in another namespace (${Math.round(performance.now() - t0)} ms)`,
  );
  const t1 = performance.now();
  const g = store.graph(names.graph);
  await inBatches(graph.nodes, 5000, async (slice) => {
    await g.upsertNodes(slice);
    for (const side of all) await side.upsertNodes?.(names.graph, slice);
  });
  await inBatches(graph.edges, 5000, async (slice) => {
    await g.upsertEdges(slice);
    for (const side of all) await side.upsertEdges?.(names.graph, slice);
  });
  const up = graph.edges.slice(0, BATCH);
  await store.graph(names.upsertGraph).upsertEdges(up);
  for (const side of all) await side.upsertEdges?.(names.upsertGraph, up);
  log(
    `graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges, hub out-degree ${config.hubDegree} (${Math.round(performance.now() - t1)} ms)`,
  );
}

/** A scenario for every job; a baseline that lacks the job is left out. */
export function scenarios(
  sides: Sides,
  names: Names,
  config: DataConfig,
  graph: GraphData,
): Scenario[] {
  const { store, raw, minimal, keyv } = sides;
  const out: Scenario[] = [];
  const add = (
    name: string,
    description: string,
    stowage: () => Promise<unknown>,
    baseline: (ops: RawOps) => (() => Promise<unknown>) | undefined,
    before?: () => Promise<unknown>,
    keyvJob?: (ops: KeyvOps) => () => Promise<unknown>,
  ) => {
    const r = baseline(raw);
    const m = minimal ? baseline(minimal) : undefined;
    const k = keyv ? (keyvJob ? keyvJob(keyv) : baseline(keyv)) : undefined;
    out.push({
      name,
      description,
      stowage,
      ...(r ? { raw: r } : {}),
      ...(m ? { minimal: m } : {}),
      ...(k ? { keyv: k } : {}),
      ...(before ? { before } : {}),
    });
  };
  const one = store.kv<BenchValue>(names.one);
  const kv = store.kv<BenchValue>(names.kv);
  const scratch = store.kv<BenchValue>(names.scratch);
  let counter = 0;
  let rotate = 0;
  const someKey = () => keyOf(rotate++ % Math.min(config.keys, 10_000));

  for (const [label] of VALUE_SIZES) {
    const key = `v ${label}`;
    add(
      `get ${label}`,
      `read one key (${label} value)`,
      () => one.get(key),
      (o) => o.get && (() => (o.get as NonNullable<RawOps["get"]>)(names.one, key)),
    );
  }
  add(
    "get (of many keys)",
    `read one of ${config.keys} keys`,
    () => kv.get(someKey()),
    (o) => o.get && (() => (o.get as NonNullable<RawOps["get"]>)(names.kv, someKey())),
  );
  for (const [label, bytes] of VALUE_SIZES) {
    const key = `v ${label}`;
    add(
      `set ${label}`,
      `overwrite one key (${label} value, changed every call)`,
      () => one.set(key, makeValue(++counter, bytes)),
      (o) =>
        o.set &&
        (() => (o.set as NonNullable<RawOps["set"]>)(names.one, key, makeValue(++counter, bytes))),
    );
  }
  add(
    "set with TTL",
    "overwrite one key with a 60 s expiry",
    () => one.set("ttl", makeValue(++counter), { ttlMs: 60_000 }),
    (o) =>
      o.setWithTtl &&
      (() =>
        (o.setWithTtl as NonNullable<RawOps["setWithTtl"]>)(
          names.one,
          "ttl",
          makeValue(++counter),
          60_000,
        )),
  );
  add(
    "update (CAS)",
    "read one key, change it, write it if unchanged",
    () => one.update("v 100 B", (old) => bump(old as BenchValue)),
    (o) =>
      o.update && (() => (o.update as NonNullable<RawOps["update"]>)(names.one, "v 100 B", bump)),
  );
  const delBefore = async () => {
    await one.set("del", makeValue(1));
    for (const side of baselines(sides)) await side.set?.(names.one, "del", makeValue(1));
  };
  add(
    "delete",
    "delete one existing key",
    () => one.delete("del"),
    (o) => o.delete && (() => (o.delete as NonNullable<RawOps["delete"]>)(names.one, "del")),
    delBefore,
  );
  add(
    `getMany ${BATCH}`,
    `read ${BATCH} keys in one batch`,
    () => kv.getMany(BATCH_KEYS),
    (o) => o.getMany && (() => (o.getMany as NonNullable<RawOps["getMany"]>)(names.kv, BATCH_KEYS)),
  );
  const rounds = [1, 2].map((b) =>
    BATCH_ITEMS.map((i) => ({ key: i.key, value: { ...i.value, score: i.value.score + b } })),
  );
  const nextS = alternating(rounds);
  const nextR = alternating(rounds);
  const nextM = alternating(rounds);
  const nextK = alternating(rounds);
  add(
    `setMany ${BATCH}`,
    `overwrite ${BATCH} keys in one batch (values changed every call)`,
    () => kv.setMany(nextS()),
    (o) =>
      o.setMany &&
      (() =>
        (o.setMany as NonNullable<RawOps["setMany"]>)(
          names.kv,
          o === raw ? nextR() : o === minimal ? nextM() : nextK(),
        )),
  );
  const fillScratch = async () => {
    await scratch.setMany(BATCH_ITEMS);
    for (const side of baselines(sides)) await side.setMany?.(names.scratch, BATCH_ITEMS);
  };
  add(
    `deleteMany ${BATCH}`,
    `delete ${BATCH} existing keys in one batch`,
    () => scratch.deleteMany(BATCH_KEYS),
    (o) =>
      o.deleteMany &&
      (() => (o.deleteMany as NonNullable<RawOps["deleteMany"]>)(names.scratch, BATCH_KEYS)),
    fillScratch,
  );
  add(
    `clear (${BATCH} keys)`,
    `clear a namespace of ${BATCH} keys`,
    () => scratch.clear(),
    (o) => o.clear && (() => (o.clear as NonNullable<RawOps["clear"]>)(names.scratch)),
    fillScratch,
  );
  add(
    "list page",
    `one page of ${PAGE} keys (keyset) in a namespace of ${config.keys}`,
    () => kv.list({ limit: PAGE }),
    (o) =>
      o.listPage &&
      (() => (o.listPage as NonNullable<RawOps["listPage"]>)(names.kv, undefined, PAGE)),
  );
  add(
    `iterate ${BATCH} with values`,
    `entries() of the ${BATCH} keys under a prefix, pages of ${PAGE * 5}`,
    async () => {
      let n = 0;
      for await (const _ of kv.entries({ prefix: "user:0000", pageSize: PAGE * 5 })) n++;
      return n;
    },
    (o) =>
      o.entriesPage &&
      (async () => {
        let after: string | undefined;
        let n = 0;
        for (;;) {
          const page = await (o.entriesPage as NonNullable<RawOps["entriesPage"]>)(
            names.kv,
            "user:0000",
            after,
            PAGE * 5,
          );
          n += page.length;
          if (page.length < PAGE * 5) return n;
          after = page[page.length - 1]?.[0];
        }
      }),
    undefined,
    (k) => () => k.iterateNamespace(names.iter),
  );
  add(
    "count",
    `count a namespace of ${config.keys} keys`,
    () => kv.count(),
    (o) => o.count && (() => (o.count as NonNullable<RawOps["count"]>)(names.kv)),
  );

  const upGraph = store.graph(names.upsertGraph);
  const upRounds = [1, 2].map((b) =>
    graph.edges
      .slice(0, BATCH)
      .map((e) => ({ ...e, props: { ...e.props, weight: e.props.weight + b } })),
  );
  const upS = alternating(upRounds);
  const upR = alternating(upRounds);
  const upM = alternating(upRounds);
  add(
    `upsertEdges ${BATCH}`,
    `upsert ${BATCH} existing edges with changed props (merge)`,
    () => upGraph.upsertEdges(upS()),
    (o) =>
      o.upsertEdges &&
      (() =>
        (o.upsertEdges as NonNullable<RawOps["upsertEdges"]>)(
          names.upsertGraph,
          o === raw ? upR() : upM(),
        )),
  );
  const loadNodes = graph.nodes.slice(0, config.load);
  const loadIds = new Set(loadNodes.map((n) => n.id));
  const loadEdges = graph.edges
    .filter((e) => loadIds.has(e.from) && loadIds.has(e.to))
    .slice(0, config.load);
  const loadGraph = store.graph(names.loadGraph);
  add(
    `bulk load ${loadNodes.length} nodes + ${loadEdges.length} edges`,
    "upsertNodes then upsertEdges into an empty graph, one call each",
    async () => {
      await loadGraph.upsertNodes(loadNodes);
      await loadGraph.upsertEdges(loadEdges);
    },
    (o) =>
      o.upsertNodes &&
      o.upsertEdges &&
      (async () => {
        await (o.upsertNodes as NonNullable<RawOps["upsertNodes"]>)(names.loadGraph, loadNodes);
        await (o.upsertEdges as NonNullable<RawOps["upsertEdges"]>)(names.loadGraph, loadEdges);
      }),
    async () => {
      await loadGraph.clear();
      for (const side of baselines(sides)) await side.clearGraph?.(names.loadGraph);
    },
  );
  const g = store.graph(names.graph);
  const seedId = pickSeed(graph);
  const target = pickTarget(graph, seedId);
  const hundred = graph.nodes.slice(1, 101).map((n) => n.id);
  add(
    "getNode",
    "read one node",
    () => g.getNode(seedId),
    (o) =>
      o.getNodes && (() => (o.getNodes as NonNullable<RawOps["getNodes"]>)(names.graph, [seedId])),
  );
  add(
    "getNodes 100",
    "read 100 nodes",
    () => g.getNodes(hundred),
    (o) =>
      o.getNodes && (() => (o.getNodes as NonNullable<RawOps["getNodes"]>)(names.graph, hundred)),
  );
  add(
    "neighbors",
    "edges of an ordinary node, both directions, with props",
    () => g.neighbors(seedId, { direction: "both" }),
    (o) =>
      o.neighbors && (() => (o.neighbors as NonNullable<RawOps["neighbors"]>)(names.graph, seedId)),
  );
  add(
    "neighbors hub, limit 10",
    `first 10 edges of the hub (degree ${config.hubDegree}), both directions`,
    () => g.neighbors(HUB, { direction: "both", limit: 10 }),
    (o) =>
      o.neighbors &&
      (() => (o.neighbors as NonNullable<RawOps["neighbors"]>)(names.graph, HUB, 10)),
  );
  add(
    "neighbors hub, all",
    `all ${config.hubDegree} edges of the hub, both directions, with props`,
    () => g.neighbors(HUB, { direction: "both" }),
    (o) =>
      o.neighbors && (() => (o.neighbors as NonNullable<RawOps["neighbors"]>)(names.graph, HUB)),
  );
  add(
    "degree hub",
    "number of edges of the hub, both directions",
    () => g.degree(HUB, { direction: "both" }),
    (o) => o.degree && (() => (o.degree as NonNullable<RawOps["degree"]>)(names.graph, HUB)),
  );
  add(
    `traverse d${TRAVERSE_DEPTH}`,
    `out-traversal to depth ${TRAVERSE_DEPTH}, nodes and edges with props`,
    () => g.traverse(seedId, { maxDepth: TRAVERSE_DEPTH, direction: "out" }),
    (o) =>
      o.traverse &&
      (() => (o.traverse as NonNullable<RawOps["traverse"]>)(names.graph, seedId, TRAVERSE_DEPTH)),
  );
  add(
    `findPaths ≤ ${PATH_DEPTH}`,
    `simple out-paths of at most ${PATH_DEPTH} edges between two nodes, at most 100`,
    () => g.findPaths(seedId, target, { maxDepth: PATH_DEPTH, direction: "out", maxPaths: 100 }),
    (o) =>
      o.findPaths &&
      (() =>
        (o.findPaths as NonNullable<RawOps["findPaths"]>)(
          names.graph,
          seedId,
          target,
          PATH_DEPTH,
          100,
        )),
  );
  add(
    `shortestPath ≤ ${PATH_DEPTH}`,
    "the first of those paths",
    () => g.shortestPath(seedId, target, { maxDepth: PATH_DEPTH, direction: "out" }),
    (o) =>
      o.findPaths &&
      (() =>
        (o.findPaths as NonNullable<RawOps["findPaths"]>)(
          names.graph,
          seedId,
          target,
          PATH_DEPTH,
          1,
        )),
  );
  return out;
}

/**
 * Checks once, before timing, that every side returns the same answers: a benchmark of different
 * pieces of work would be meaningless. Returns the differences found.
 */
export async function verify(sides: Sides, names: Names, graph: GraphData): Promise<string[]> {
  const problems: string[] = [];
  const { store } = sides;
  const kv = store.kv<BenchValue>(names.kv);
  const g = store.graph(names.graph);
  const seedId = pickSeed(graph);
  const target = pickTarget(graph, seedId);
  const expected = {
    get: (await kv.get(keyOf(1)))?.id,
    getMany: (await kv.getMany(BATCH_KEYS)).map((v) => v?.id),
    list: (await kv.list({ limit: PAGE })).items,
    count: await kv.count(),
    neighbors: (await g.neighbors(seedId, { direction: "both" })).map((n) => [
      n.id,
      n.direction,
      n.edge.type,
      n.edge.props,
    ]),
    hub10: (await g.neighbors(HUB, { direction: "both", limit: 10 })).map((n) => [
      n.id,
      n.edge.type,
    ]),
    degree: await g.degree(HUB, { direction: "both" }),
    traverse: await g
      .traverse(seedId, { maxDepth: TRAVERSE_DEPTH, direction: "out" })
      .then((t) => ({
        nodes: t.nodes.map((n) => [n.id, n.depth, n.type, n.props]),
        edges: t.edges.map((e) => [e.from, e.type, e.to, e.props]),
      })),
    paths: (
      await g.findPaths(seedId, target, { maxDepth: PATH_DEPTH, direction: "out", maxPaths: 100 })
    ).map((p) => [p.nodes, p.edges.map((e) => e.props)]),
  };
  const checked = { raw: sides.raw, minimal: sides.minimal, keyv: sides.keyv };
  for (const [label, side] of Object.entries(checked) as [string, RawOps | undefined][]) {
    if (!side) continue;
    const same = (what: string, a: unknown, b: unknown) => {
      const x = canonical(a);
      const y = canonical(b);
      if (x !== y)
        problems.push(`${label} ${what}: stowage ${x.slice(0, 160)} ≠ ${y.slice(0, 160)}`);
    };
    if (side.get) same("get", expected.get, (await side.get(names.kv, keyOf(1)))?.id);
    if (side.getMany)
      same(
        "getMany",
        expected.getMany,
        (await side.getMany(names.kv, BATCH_KEYS)).map((v) => v?.id),
      );
    if (side.listPage) same("list", expected.list, await side.listPage(names.kv, undefined, PAGE));
    if (side.count) same("count", expected.count, await side.count(names.kv));
    if (side === sides.keyv)
      same("iterate", BATCH, await (side as KeyvOps).iterateNamespace(names.iter));
    if (side.neighbors) {
      same(
        "neighbors",
        expected.neighbors,
        (await side.neighbors(names.graph, seedId)).map((n) => [
          n.id,
          n.direction,
          n.edge.type,
          n.edge.props,
        ]),
      );
      same(
        "hub limit 10",
        expected.hub10,
        (await side.neighbors(names.graph, HUB, 10)).map((n) => [n.id, n.edge.type]),
      );
    }
    if (side.degree) same("degree", expected.degree, await side.degree(names.graph, HUB));
    if (side.traverse) {
      const t = await side.traverse(names.graph, seedId, TRAVERSE_DEPTH);
      same("traverse", expected.traverse, {
        nodes: t.nodes.map((n) => [n.id, n.depth, n.type, n.props]),
        edges: t.edges.map((e) => [e.from, e.type, e.to, e.props]),
      });
    }
    if (side.findPaths) {
      same(
        "findPaths",
        expected.paths,
        (await side.findPaths(names.graph, seedId, target, PATH_DEPTH, 100)).map((p) => [
          p.nodes,
          p.edges.map((e) => e.props),
        ]),
      );
    }
  }
  return problems;
}

/** JSON with object keys sorted, so that a backend's key order (jsonb sorts them) does not count. */
export function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
              a < b ? -1 : a > b ? 1 : 0,
            ),
          )
        : v,
    ) ?? "undefined"
  );
}
