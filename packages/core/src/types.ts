// The public API: what applications call. Built by core over any driver (see store.ts).

import type { Direction, DriverCapabilities, PoolState, UpsertMode } from "./spi.ts";
import type { NearestNode, NearestOptions, VectorCollection, VectorCollectionInfo, VectorCollectionOptions, VectorLike } from "./vector-types.ts";

export type { Direction, UpsertMode } from "./spi.ts";

export interface Entry<V> {
  readonly key: string;
  readonly value: V;
  /** Positive integer: 1 when the key was created, +1 on every write. Use with `ifVersion`. */
  readonly version: number;
  /** Epoch ms, or null for no expiry. */
  readonly expiresAt: number | null;
}

export interface SetOptions {
  /** Expire after this many milliseconds (> 0). Without it (or `expiresAt`) a write clears any expiry. */
  readonly ttlMs?: number;
  /** Expire at this time (epoch ms or Date, in the future). */
  readonly expiresAt?: number | Date;
  /** Write only if the current version is exactly this; otherwise ConflictError. */
  readonly ifVersion?: number;
  /** Write only if the key is absent (or expired); otherwise ConflictError. */
  readonly ifAbsent?: boolean;
}

export interface SetManyItem<V> extends SetOptions {
  readonly key: string;
  readonly value: V;
}

export interface UpdateOptions {
  /** New expiry; by default the entry keeps the expiry it had. */
  readonly ttlMs?: number;
  /** Attempts before giving up with ConflictError (default 100). */
  readonly maxAttempts?: number;
}

export interface ListOptions {
  /** Only keys starting with this string. */
  readonly prefix?: string;
  /** `cursor` of the previous page. */
  readonly cursor?: string;
  /** Page size, 1..10000 (default 100). */
  readonly limit?: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Pass to the next call; undefined when there is nothing more. */
  readonly cursor: string | undefined;
}

export interface IterateOptions {
  readonly prefix?: string;
  /** Keys fetched per round trip (default 500). */
  readonly pageSize?: number;
}

/** A namespaced key-value view. Keys: non-empty, no U+0000, at most 1024 UTF-8 bytes. */
export interface KV<V = unknown> {
  readonly namespace: string;
  get(key: string): Promise<V | undefined>;
  getEntry(key: string): Promise<Entry<V> | undefined>;
  /** Values in input order, `undefined` where missing. One round trip. */
  getMany(keys: readonly string[]): Promise<(V | undefined)[]>;
  getEntries(keys: readonly string[]): Promise<(Entry<V> | undefined)[]>;
  has(key: string): Promise<boolean>;
  /** The keys among `keys` that are absent, in input order. */
  missing(keys: readonly string[]): Promise<string[]>;
  /** Returns the new version. */
  set(key: string, value: V, options?: SetOptions): Promise<number>;
  /** All or nothing; returns the new versions in input order. Keys must be unique. */
  setMany(items: Iterable<SetManyItem<V>>): Promise<number[]>;
  /** Reads, applies `fn`, writes with compare-and-set; retries on conflict. */
  update(
    key: string,
    fn: (current: V | undefined, entry: Entry<V> | undefined) => V | Promise<V>,
    options?: UpdateOptions,
  ): Promise<Entry<V>>;
  /** True when a live entry was removed. */
  delete(key: string, options?: { readonly ifVersion?: number }): Promise<boolean>;
  /** All or nothing; returns how many live entries were removed. */
  deleteMany(keys: readonly string[]): Promise<number>;
  /** One page of keys in UTF-8 byte order. */
  list(options?: ListOptions): Promise<Page<string>>;
  keys(options?: IterateOptions): AsyncIterableIterator<string>;
  entries(options?: IterateOptions): AsyncIterableIterator<[string, V]>;
  count(options?: { readonly prefix?: string }): Promise<number>;
  /** Removes every entry of this namespace, and nothing else. */
  clear(): Promise<void>;
}

export type Props = Record<string, unknown>;

export interface Node<P extends Props = Props> {
  readonly id: string;
  readonly type: string | null;
  readonly props: P;
}

export interface EdgeRef {
  readonly from: string;
  readonly type: string;
  readonly to: string;
}

export interface Edge<P extends Props = Props> extends EdgeRef {
  readonly props: P;
}

export interface NodeInput<P extends Props = Props> {
  readonly id: string;
  /** Omitted: kept on merge, null on replace. */
  readonly type?: string | null;
  readonly props?: P;
}

export interface EdgeInput<P extends Props = Props> extends EdgeRef {
  readonly props?: P;
}

export interface UpsertOptions {
  /** `merge` (default): props merged key by key over the stored ones. `replace`: props replaced. */
  readonly mode?: UpsertMode;
}

export interface NeighborOptions {
  /** Default `out`. */
  readonly direction?: Direction;
  readonly types?: readonly string[];
  readonly limit?: number;
}

export interface Neighbor<EP extends Props = Props> {
  /** The node at the other end (the node itself for a self-loop). */
  readonly id: string;
  readonly direction: "out" | "in";
  readonly edge: Edge<EP>;
}

export interface TraverseOptions {
  /** Required: how many hops from the seeds (0..1000). */
  readonly maxDepth: number;
  /** Default `out`. */
  readonly direction?: Direction;
  readonly types?: readonly string[];
  /** Stop after this many nodes (default 10000); `truncated` tells. */
  readonly maxNodes?: number;
}

export interface TraverseResult<NP extends Props = Props, EP extends Props = Props> {
  /** Reached nodes, seeds first, ordered by (depth, id). */
  readonly nodes: Array<Node<NP> & { readonly depth: number }>;
  /** Edges followed between returned nodes, ordered by (from, type, to). */
  readonly edges: Edge<EP>[];
  /** True when maxNodes cut the result. */
  readonly truncated: boolean;
}

export interface PathOptions {
  /** Required: longest path in edges (0..1000). */
  readonly maxDepth: number;
  /** Default `out`. */
  readonly direction?: Direction;
  readonly types?: readonly string[];
}

export interface FindPathsOptions extends PathOptions {
  /** Default 100. */
  readonly maxPaths?: number;
}

export interface Path<EP extends Props = Props> {
  /** Node ids from start to end. */
  readonly nodes: string[];
  readonly edges: Edge<EP>[];
}

export interface NodeListOptions {
  readonly type?: string;
  readonly cursor?: string;
  readonly limit?: number;
}

export interface GraphStats {
  readonly nodes: number;
  readonly edges: number;
}

/** A named property graph: nodes `{id, type, props}` and directed edges keyed by (from, type, to). */
export interface Graph<NP extends Props = Props, EP extends Props = Props> {
  readonly name: string;
  upsertNode(node: NodeInput<NP>, options?: UpsertOptions): Promise<void>;
  /** Atomic. Duplicate ids are applied in order. */
  upsertNodes(nodes: Iterable<NodeInput<NP>>, options?: UpsertOptions): Promise<void>;
  upsertEdge(edge: EdgeInput<EP>, options?: UpsertOptions): Promise<void>;
  /** Atomic. Missing endpoints are created as bare nodes. */
  upsertEdges(edges: Iterable<EdgeInput<EP>>, options?: UpsertOptions): Promise<void>;
  getNode(id: string): Promise<Node<NP> | undefined>;
  getNodes(ids: readonly string[]): Promise<(Node<NP> | undefined)[]>;
  getEdge(from: string, type: string, to: string): Promise<Edge<EP> | undefined>;
  getEdges(refs: readonly EdgeRef[]): Promise<(Edge<EP> | undefined)[]>;
  /** Deletes the node and its edges. */
  deleteNode(id: string): Promise<boolean>;
  deleteNodes(ids: readonly string[]): Promise<number>;
  deleteEdge(from: string, type: string, to: string): Promise<boolean>;
  deleteEdges(refs: readonly EdgeRef[]): Promise<number>;
  neighbors(id: string, options?: NeighborOptions): Promise<Neighbor<EP>[]>;
  degree(id: string, options?: Omit<NeighborOptions, "limit">): Promise<number>;
  traverse(seeds: string | readonly string[], options: TraverseOptions): Promise<TraverseResult<NP, EP>>;
  /** Simple paths, shortest first, then in (from, type, to) order of their edges. */
  findPaths(from: string, to: string, options: FindPathsOptions): Promise<Path<EP>[]>;
  shortestPath(from: string, to: string, options: PathOptions): Promise<Path<EP> | undefined>;
  listNodes(options?: NodeListOptions): Promise<Page<Node<NP>>>;
  listEdges(options?: NodeListOptions): Promise<Page<Edge<EP>>>;
  nodes(options?: { readonly type?: string; readonly pageSize?: number }): AsyncIterableIterator<Node<NP>>;
  edges(options?: { readonly type?: string; readonly pageSize?: number }): AsyncIterableIterator<Edge<EP>>;
  stats(): Promise<GraphStats>;
  /**
   * The k nodes whose vectors (in `options.collection`, ids = node ids) are nearest to `vector`,
   * nearest first; ids without a node (or of another `type`) are not counted. Needs `vectors`.
   */
  nearest<M extends Props = Props>(vector: VectorLike, options: NearestOptions): Promise<NearestNode<NP, M>[]>;
  /** GraphRAG's "find entities, expand context": `traverse` seeded with the `nearest` nodes. */
  traverseFromNearest(vector: VectorLike, options: TraverseFromNearestOptions): Promise<NearestTraverseResult<NP, EP>>;
  /** Removes every node and edge of this graph, and nothing else. */
  clear(): Promise<void>;
}

export interface TraverseFromNearestOptions extends TraverseOptions {
  /** Where the seeds come from. */
  readonly nearest: NearestOptions;
}

export interface NearestTraverseResult<NP extends Props = Props, EP extends Props = Props> extends TraverseResult<NP, EP> {
  /** The seeds: the nearest nodes, nearest first. */
  readonly seeds: NearestNode<NP>[];
}

export interface StoreOptions {
  /** Largest encoded value or props object in UTF-8 bytes (default 4 MiB, never above the driver's). */
  readonly maxValueBytes?: number;
  /** Clock for expiry (default Date.now). */
  readonly now?: () => number;
  /** Where warnings go (default console.warn). */
  readonly warn?: (message: string) => void;
  /** Passed to the driver package when `openStore` is given a URL. */
  readonly driverOptions?: Record<string, unknown>;
  /** The circuit breaker in front of the driver (on by default); `false` turns it off. */
  readonly circuitBreaker?: CircuitBreakerOptions | false;
}

/** Circuit breaker settings (see the core README, "Circuit breaker"). */
export interface CircuitBreakerOptions {
  /** Consecutive UnavailableErrors that open the circuit (default 5). */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before one probe, in ms (default 1000). */
  readonly coolDownMs?: number;
  /** Time allowed to the probe (the driver's ping()), in ms (default 2000). */
  readonly probeTimeoutMs?: number;
}

/** `closed`: calls flow; `open`: calls fail fast; `half-open`: one probe is running. */
export type CircuitState = "closed" | "open" | "half-open";

/** What `store.ping()` reports. */
export interface PingResult {
  /** Round trip time of the ping, in ms. */
  readonly latencyMs: number;
  /** The circuit breaker's state after the ping ("closed" when the breaker is off). */
  readonly circuit: CircuitState;
  /** The driver's connection pool, when it reports one (see DriverHealth). */
  readonly pool?: PoolState;
  /** The schema version in use in the backend, when the driver keeps one (see DriverHealth). */
  readonly schemaVersion?: number;
}

export interface Store extends AsyncDisposable {
  readonly driverName: string;
  readonly capabilities: DriverCapabilities;
  readonly closed: boolean;
  kv<V = unknown>(namespace: string): KV<V>;
  graph<NP extends Props = Props, EP extends Props = Props>(name: string): Graph<NP, EP>;
  /**
   * A vector collection; created on first use with these dims and metric, which must then match
   * on every later open (ValidationError otherwise). Needs `capabilities.vectors`.
   */
  vectors<M extends Props = Props>(name: string, options: VectorCollectionOptions): VectorCollection<M>;
  /** Every vector collection with its dims and metric, by name. */
  vectorCollections(): Promise<VectorCollectionInfo[]>;
  /** Namespaces holding at least one live entry. */
  namespaces(): Promise<string[]>;
  /** Graphs holding at least one node. */
  graphs(): Promise<string[]>;
  /** One round trip; throws UnavailableError when the backend cannot be reached. */
  ping(): Promise<PingResult>;
  /** Closes the driver; later calls throw ClosedError. Idempotent. */
  close(): Promise<void>;
}
