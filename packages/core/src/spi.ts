// The driver SPI: what a driver author implements. Core validates, encodes and decodes;
// drivers only move already-encoded strings and absolute expiry times (epoch ms).
// Every method names its namespace or graph explicitly and works on batches.

import type { FilterCondition, VectorMetric } from "./vectors.ts";

export type { FilterCondition, VectorMetric } from "./vectors.ts";

/** What a driver can do. The conformance kit skips cases by these flags and says why. */
export interface DriverCapabilities {
  /** Key-value records (every driver). */
  readonly kv: true;
  /** Property graphs (nodes, edges, neighbours). */
  readonly graph: boolean;
  /** Per-entry expiry (`expiresAt`). */
  readonly ttl: boolean;
  /** `ifVersion` / `ifAbsent` conditions, linearizable per key. */
  readonly cas: boolean;
  /** `setMany` / `deleteMany` / graph upserts all-or-nothing. */
  readonly atomicBatches: boolean;
  /** The driver implements `graph.traverse` itself (otherwise core walks `neighbors`). */
  readonly nativeTraversal: boolean;
  /** Data survives `close()` and a new driver over the same location. */
  readonly persistent: boolean;
  /** Several driver instances (processes) over one location see one dataset. */
  readonly shared: boolean;
  /** Largest encoded value (UTF-8 bytes) the backend accepts; core's limit is never above it. */
  readonly maxValueBytes: number;
  /** Vector collections (`driver.vectors`); absent means false. */
  readonly vectors?: boolean;
  /** `query` without `exact: true` may use an approximate index (recall below 1). */
  readonly approximateVectors?: boolean;
}

/** A stored KV entry as the driver sees it. */
export interface EncodedEntry {
  /** Encoded value (core's codec output). */
  readonly value: string;
  /** Positive integer; 1 when the key was absent (or expired), +1 on every write. */
  readonly version: number;
  /** Epoch ms, or null for no expiry. */
  readonly expiresAt: number | null;
}

export interface KvWrite {
  readonly key: string;
  readonly value: string;
  readonly expiresAt: number | null;
  /** Write only if the live entry has exactly this version. */
  readonly ifVersion?: number;
  /** Write only if there is no live entry. */
  readonly ifAbsent?: boolean;
}

export interface KvDelete {
  readonly key: string;
  /** Delete only if the live entry has exactly this version. */
  readonly ifVersion?: number;
}

/** Outcome of a conditional batch: either all applied, or none, with the failing positions. */
export type BatchResult<T> =
  | { readonly ok: true; readonly results: T[] }
  | { readonly ok: false; readonly conflicts: number[] };

export interface KvListQuery {
  /** Only keys starting with this string ("" for all). */
  readonly prefix: string;
  /** Only keys strictly greater (UTF-8 byte order) than this one. */
  readonly after?: string;
  /** At most this many keys (>= 1). */
  readonly limit: number;
  /** Include entries; otherwise `entry` may be omitted. */
  readonly withValues: boolean;
}

export interface KvListItem {
  readonly key: string;
  readonly entry?: EncodedEntry;
}

/**
 * Key-value part of a driver. `now` (epoch ms) is the clock core uses: an entry with
 * `expiresAt !== null && expiresAt <= now` is absent for every read, list, count and condition.
 * Keys are valid (non-empty, no U+0000, at most 1024 UTF-8 bytes) and unique within a write batch.
 */
export interface KvDriver {
  /** Entries in input order; `undefined` where missing or expired. Keys may repeat. */
  getMany(ns: string, keys: readonly string[], now: number): Promise<(EncodedEntry | undefined)[]>;
  /**
   * Writes all, or none when any condition fails. On success `results[i]` is the new version of
   * `writes[i]`. Atomic: a failure part-way leaves nothing visible.
   */
  setMany(ns: string, writes: readonly KvWrite[], now: number): Promise<BatchResult<number>>;
  /** Deletes all (or none when a condition fails); `results[i]` is whether a live entry was removed. */
  deleteMany(ns: string, deletes: readonly KvDelete[], now: number): Promise<BatchResult<boolean>>;
  /** Live keys in UTF-8 byte order, from `after` (exclusive), at most `limit`. */
  list(ns: string, query: KvListQuery, now: number): Promise<KvListItem[]>;
  /** Number of live keys with the prefix. */
  count(ns: string, prefix: string, now: number): Promise<number>;
  /** Removes every entry of this namespace and no other. */
  clear(ns: string): Promise<void>;
  /** Namespaces holding at least one live entry, in byte order. */
  namespaces(now: number): Promise<string[]>;
}

/** Node as stored: props is an encoded JSON object text (see core's `encodeProps`). */
export interface NodeRecord {
  readonly id: string;
  readonly type: string | null;
  readonly props: string;
}

export interface EdgeKey {
  readonly from: string;
  readonly type: string;
  readonly to: string;
}

export interface EdgeRecord extends EdgeKey {
  readonly props: string;
}

/**
 * `merge`: the new props are merged over the stored ones, top-level key by key (a new key's value
 * replaces the old value whole); an omitted node type keeps the stored one.
 * `replace`: props and type are replaced (an omitted type becomes null).
 */
export type UpsertMode = "merge" | "replace";

export interface NodeWrite {
  readonly id: string;
  /** undefined: keep (merge) or null (replace). */
  readonly type?: string | null;
  /** Encoded JSON object text. */
  readonly props: string;
}

export type EdgeWrite = EdgeRecord;

export type Direction = "out" | "in" | "both";

export interface NeighborQuery {
  readonly direction: Direction;
  /** Only edges of these types (undefined: all). */
  readonly types?: readonly string[];
  /** At most this many edges per node, after ordering. */
  readonly limit?: number;
}

export interface NodeListQuery {
  readonly after?: string;
  readonly limit: number;
  /** Only nodes of this type. */
  readonly type?: string;
}

export interface EdgeListQuery {
  readonly after?: EdgeKey;
  readonly limit: number;
  /** Only edges of this type. */
  readonly type?: string;
}

export interface TraverseQuery {
  readonly maxDepth: number;
  readonly direction: Direction;
  readonly types?: readonly string[];
  readonly maxNodes: number;
}

export interface TraverseRecords {
  /** Reached nodes ordered by (depth, id), at most maxNodes. */
  readonly nodes: ReadonlyArray<NodeRecord & { readonly depth: number }>;
  /** Traversed edges between kept nodes, ordered by (from, type, to). */
  readonly edges: readonly EdgeRecord[];
  readonly truncated: boolean;
}

/** A path search as core hands it to a driver's native `findPaths` (arguments already checked). */
export interface PathQuery {
  readonly maxDepth: number;
  readonly direction: Direction;
  readonly types?: readonly string[];
  /** At most this many paths (1 for `shortest`). */
  readonly maxPaths: number;
  /** Only the first path, as `shortestPath` returns it: the driver may search breadth-first. */
  readonly shortest: boolean;
}

/** A path as node ids from start to end and the edges between them (`edges.length === nodes.length - 1`). */
export interface PathRecord {
  readonly nodes: string[];
  readonly edges: EdgeRecord[];
}

/**
 * Graph part of a driver. Ids, types and names are valid; ids unique within a batch.
 * Order everywhere is UTF-8 byte order (SQL `COLLATE "C"`/BINARY, Redis lex order).
 */
export interface GraphDriver {
  /** Atomic per call. */
  upsertNodes(graph: string, nodes: readonly NodeWrite[], mode: UpsertMode): Promise<void>;
  /** Atomic per call; missing endpoints are created as bare nodes (type null, props "{}"). */
  upsertEdges(graph: string, edges: readonly EdgeWrite[], mode: UpsertMode): Promise<void>;
  getNodes(graph: string, ids: readonly string[]): Promise<(NodeRecord | undefined)[]>;
  getEdges(graph: string, keys: readonly EdgeKey[]): Promise<(EdgeRecord | undefined)[]>;
  /** Deletes the nodes and every incident edge, atomically. Returns how many nodes existed. */
  deleteNodes(graph: string, ids: readonly string[]): Promise<number>;
  /** Returns how many edges existed. */
  deleteEdges(graph: string, keys: readonly EdgeKey[]): Promise<number>;
  /**
   * For each id (in input order), its incident edges: with direction `out` the edges from it,
   * `in` the edges to it, `both` out-edges then in-edges, a self-loop listed once (as out).
   * Within a direction ordered by (type, other end id). `limit` applies per id after ordering.
   */
  neighbors(graph: string, ids: readonly string[], query: NeighborQuery): Promise<EdgeRecord[][]>;
  /** Per id, the number of incident edges as `neighbors` would list them without limit. */
  degree(graph: string, ids: readonly string[], query: NeighborQuery): Promise<number[]>;
  /** Nodes ordered by id. */
  listNodes(graph: string, query: NodeListQuery): Promise<NodeRecord[]>;
  /** Edges ordered by (from, type, to). */
  listEdges(graph: string, query: EdgeListQuery): Promise<EdgeRecord[]>;
  stats(graph: string): Promise<{ nodes: number; edges: number }>;
  /** Removes every node and edge of this graph and no other. */
  clear(graph: string): Promise<void>;
  /** Graphs holding at least one node, in byte order. */
  graphs(): Promise<string[]>;
  /** Optional native traversal with exactly core's semantics (see core/src/traversal.ts). */
  traverse?(graph: string, seeds: readonly string[], query: TraverseQuery): Promise<TraverseRecords>;
  /**
   * Optional native path search with exactly core's `findPaths` / `shortestPath` semantics (see
   * core/src/traversal.ts): simple paths from `from` to `to` of at most maxDepth edges, ordered by
   * length then by their edges' (from, type, to) sequences; `[]` when `from` does not exist;
   * `[[from]]` (no edges) when from === to. May return `undefined` to decline (e.g. the search
   * grew too large): core then runs its own walk, which decides.
   */
  findPaths?(graph: string, from: string, to: string, query: PathQuery): Promise<PathRecord[] | undefined>;
}

/** Connection pool state a driver may report from `ping()`. Every field is optional. */
export interface PoolState {
  /** Largest number of connections the pool opens. */
  readonly max?: number;
  /** Connections open now. */
  readonly open?: number;
  /** Open connections not running a call. */
  readonly idle?: number;
  /** Calls waiting for a connection. */
  readonly waiting?: number;
  /** Calls of this driver running or waiting now. */
  readonly inFlight?: number;
  /** Client status in the client's own words (e.g. ioredis "ready", "reconnecting"). */
  readonly status?: string;
}

/** What a driver's `ping()` may return. */
export interface DriverHealth {
  readonly pool?: PoolState;
  /**
   * The stowage schema version in use in the backend, once the driver has created or checked it
   * (a newer one than the driver understands is an error before this). Omitted by drivers that
   * keep no versioned schema.
   */
  readonly schemaVersion?: number;
}

/** Attributes a driver knows about its backend for traces and metrics (never credentials). */
export interface DriverTelemetry {
  /** `db.system.name` (default: postgresql, sqlite, redis, or the driver name). */
  readonly system?: string;
  /** `db.namespace`: the database (PostgreSQL database name, Redis db index, SQLite file name). */
  readonly namespace?: string;
  /** `server.address` and `server.port`, where the driver talks to a server. */
  readonly serverAddress?: string;
  readonly serverPort?: number;
}

/** A collection's fixed definition. */
export interface VectorCollectionSpec {
  readonly name: string;
  readonly dims: number;
  readonly metric: VectorMetric;
}

/** A stored vector: float32 components and metadata as encoded props text (see `encodeProps`). */
export interface VectorRecord {
  readonly id: string;
  readonly vector: Float32Array;
  readonly metadata: string;
}

export interface VectorSearch {
  /** Checked: `dims` finite float32 components (non-zero for cosine). */
  readonly vector: Float32Array;
  /** 1..MAX_VECTOR_K. */
  readonly k: number;
  /** AND of the conditions, with core's `matchesFilter` semantics ([] = everything). */
  readonly filter: readonly FilterCondition[];
  readonly includeVectors: boolean;
  /** Must be exact (no approximate index). */
  readonly exact: boolean;
}

export interface VectorHit {
  readonly id: string;
  /** Core's `vectorScore` (cosine similarity, dot product, or l2 distance). */
  readonly score: number;
  readonly metadata: string;
  readonly vector?: Float32Array;
}

/**
 * Vector part of a driver. Names and ids are valid, ids unique within a batch, vectors checked.
 * Every method but `ensure`, `collections` and `drop` gets the spec `ensure` returned.
 */
export interface VectorDriver {
  /** Creates the collection when absent (concurrency-safe); returns the stored definition. */
  ensure(spec: VectorCollectionSpec): Promise<VectorCollectionSpec>;
  /** Every collection, by name in byte order. */
  collections(): Promise<VectorCollectionSpec[]>;
  /** Removes the collection, its vectors and its definition; false when it did not exist. */
  drop(name: string): Promise<boolean>;
  /** Inserts or replaces (vector and metadata), all or nothing. */
  upsert(c: VectorCollectionSpec, records: readonly VectorRecord[]): Promise<void>;
  get(c: VectorCollectionSpec, ids: readonly string[]): Promise<(VectorRecord | undefined)[]>;
  /** Returns how many existed. */
  delete(c: VectorCollectionSpec, ids: readonly string[]): Promise<number>;
  count(c: VectorCollectionSpec): Promise<number>;
  /** Removes every vector, keeps the definition. */
  clear(c: VectorCollectionSpec): Promise<void>;
  /** Nearest first (core's `compareHits`), at most k, only matches of the filter. */
  query(c: VectorCollectionSpec, search: VectorSearch): Promise<VectorHit[]>;
  /** Records by id (byte order) after `after`, at most `limit` (for export). */
  list(c: VectorCollectionSpec, query: { readonly after?: string; readonly limit: number }): Promise<VectorRecord[]>;
  /**
   * Optional: the k nearest vectors whose id is a node of `graph` (of `type`, when given), with
   * the node, in one round trip. Core falls back to `query` + `getNodes`.
   */
  nearestNodes?(
    c: VectorCollectionSpec,
    graph: string,
    search: VectorSearch,
    type: string | undefined,
  ): Promise<Array<VectorHit & { readonly node: NodeRecord }>>;
  /**
   * Optional: `nearestNodes`, then `traverse` seeded with those nodes (their ids in byte order),
   * in one round trip: GraphRAG's "find entities, expand context". The traversal has exactly
   * core's semantics (see core/src/traversal.ts); no seeds give an empty traversal. Core uses it
   * only when the driver also declares `nativeTraversal`; otherwise, or when this is absent, it
   * runs `nearestNodes` (or `query` + `getNodes`) and then `traverse`.
   */
  traverseFromNearest?(
    c: VectorCollectionSpec,
    graph: string,
    search: VectorSearch,
    type: string | undefined,
    query: TraverseQuery,
  ): Promise<{
    readonly seeds: Array<VectorHit & { readonly node: NodeRecord }>;
    readonly traversal: TraverseRecords;
  }>;
}

/** A storage driver. Created by a driver package; wrapped by `openStore()`. */
export interface Driver {
  /** Short name, e.g. "memory", "libsql", "postgres", "redis". */
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  readonly kv: KvDriver;
  readonly graph?: GraphDriver;
  /** Present when `capabilities.vectors` is true. */
  readonly vectors?: VectorDriver;
  /** Optional: what traces and metrics say about the backend (see the core README, Observability). */
  readonly telemetry?: DriverTelemetry;
  /**
   * Round trip to the backend; throws UnavailableError when it cannot be reached. May report the
   * connection pool's state, which `store.ping()` passes on.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: drivers that report nothing keep `Promise<void>`.
  ping(): Promise<void | DriverHealth>;
  /** Releases everything the driver opened (not what the caller passed in). Idempotent. */
  close(): Promise<void>;
}

/** What a driver package exports so that `openStore(url)` can load it by URL scheme. */
export interface DriverModule {
  openDriver(url: string, options?: Record<string, unknown>): Promise<Driver>;
}
