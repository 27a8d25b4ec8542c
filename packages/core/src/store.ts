// The public API over any driver: validation, encoding, single-item helpers over batch methods,
// capability checks, error normalisation, update() retries and close().

import { decodeProps, decodeValue, encodeProps, encodeValue, mergeEncodedProps } from "./codec.ts";
import { ClosedError, ConflictError, StowageError, toStowageError, UnsupportedError, ValidationError } from "./errors.ts";
import type { Driver, EdgeKey, EdgeRecord, EncodedEntry, GraphDriver, KvWrite, NodeRecord, NodeWrite, UpsertMode } from "./spi.ts";
import { guardDriver } from "./guard.ts";
import { findPaths, shortestPath, traverse, traverseQuery } from "./traversal.ts";
import type {
  Edge,
  EdgeInput,
  EdgeRef,
  Entry,
  FindPathsOptions,
  Graph,
  IterateOptions,
  KV,
  ListOptions,
  Neighbor,
  NeighborOptions,
  Node,
  NodeInput,
  NodeListOptions,
  Page,
  Path,
  PathOptions,
  PingResult,
  Props,
  SetManyItem,
  SetOptions,
  Store,
  StoreOptions,
  NearestTraverseResult,
  TraverseFromNearestOptions,
  TraverseOptions,
  TraverseResult,
  UpdateOptions,
  UpsertOptions,
} from "./types.ts";
import { checkKey, checkKeys, checkName, checkPositiveInt, describe } from "./validate.ts";
import { checkDirection, checkTypes, decodeCursor, encodeCursor } from "./options.ts";
import type { NearestNode, NearestOptions, VectorCollection, VectorCollectionInfo, VectorCollectionOptions, VectorLike } from "./vector-types.ts";
import { checkSpec, nearestNodes, traverseFromNearestRecords, VectorView, vectorDriver, type VectorDeps } from "./vector-store.ts";

export const DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 10_000;
const ITERATE_PAGE = 500;
/** Largest expiry accepted (year ~6429): keeps `now + ttl` a safe integer on every backend. */
const MAX_EXPIRES_AT = 2 ** 47;

/** Internal state shared by a store and its views. */
interface Context {
  readonly driver: Driver;
  readonly now: () => number;
  readonly maxBytes: number;
  /** The circuit breaker (see breaker.ts and guard.ts): its state and the outcomes it counts. */
  readonly circuit: () => PingResult["circuit"];
  readonly succeeded: () => void;
  readonly failed: (error: unknown, started: number) => void;
  closed: boolean;
  /** Vector collections already compared with their stored definition. */
  readonly verified: Map<string, string>;
}

/** Runs a driver call: ClosedError after close, the driver's stray errors wrapped with `cause`. */
async function run<T>(ctx: Context, what: string, fn: () => Promise<T>): Promise<T> {
  if (ctx.closed) throw new ClosedError(`cannot ${what}: the store is closed`);
  const started = performance.now();
  try {
    const result = await fn();
    ctx.succeeded();
    return result;
  } catch (error) {
    ctx.failed(error, started);
    if (error instanceof StowageError) throw error;
    if (ctx.closed) throw new ClosedError(`cannot ${what}: the store was closed`, { cause: error });
    throw toStowageError(error, `${ctx.driver.name} driver failed to ${what}`);
  }
}

function checkOpen(ctx: Context, what: string): void {
  if (ctx.closed) throw new ClosedError(`cannot ${what}: the store is closed`);
}

function expiryFrom(ctx: Context, options: SetOptions | UpdateOptions | undefined, now: number): number | null | undefined {
  const ttlMs = options?.ttlMs;
  const at = (options as SetOptions | undefined)?.expiresAt;
  if (ttlMs === undefined && at === undefined) return undefined;
  if (!ctx.driver.capabilities.ttl) {
    throw new UnsupportedError(`the ${ctx.driver.name} driver does not support expiry (ttlMs/expiresAt)`);
  }
  if (ttlMs !== undefined && at !== undefined) {
    throw new ValidationError("INVALID_OPTION", "give ttlMs or expiresAt, not both");
  }
  let expiresAt: number;
  if (ttlMs !== undefined) {
    if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new ValidationError("INVALID_OPTION", `ttlMs must be a positive number of milliseconds, got ${describe(ttlMs)}`);
    }
    expiresAt = now + Math.ceil(ttlMs);
  } else {
    expiresAt = at instanceof Date ? at.getTime() : (at as number);
    if (typeof expiresAt !== "number" || !Number.isFinite(expiresAt)) {
      throw new ValidationError("INVALID_OPTION", `expiresAt must be a Date or epoch milliseconds, got ${describe(at)}`);
    }
    expiresAt = Math.ceil(expiresAt);
    if (expiresAt <= now) throw new ValidationError("INVALID_OPTION", "expiresAt is not in the future");
  }
  if (expiresAt > MAX_EXPIRES_AT) throw new ValidationError("INVALID_OPTION", "expiry is too far in the future");
  return expiresAt;
}

function checkConditions(ctx: Context, options: { ifVersion?: number; ifAbsent?: boolean } | undefined): void {
  if (options?.ifVersion === undefined && options?.ifAbsent === undefined) return;
  if (!ctx.driver.capabilities.cas) {
    throw new UnsupportedError(`the ${ctx.driver.name} driver does not support compare-and-set (ifVersion/ifAbsent)`);
  }
  if (options.ifVersion !== undefined) {
    checkPositiveInt(options.ifVersion, "ifVersion");
    if (options.ifAbsent !== undefined) throw new ValidationError("INVALID_OPTION", "give ifVersion or ifAbsent, not both");
  }
  if (options.ifAbsent !== undefined && typeof options.ifAbsent !== "boolean") {
    throw new ValidationError("INVALID_OPTION", "ifAbsent must be a boolean");
  }
}

function pageLimit(limit: number | undefined): number {
  return limit === undefined ? DEFAULT_PAGE : checkPositiveInt(limit, "limit", MAX_PAGE);
}

function conflict(ns: string, keys: string[]): ConflictError {
  const shown = keys.slice(0, 5).map((k) => JSON.stringify(k)).join(", ");
  return new ConflictError(`version condition failed in namespace "${ns}" for ${shown}${keys.length > 5 ? " …" : ""}`, keys);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class KvView<V> implements KV<V> {
  readonly namespace: string;
  readonly #ctx: Context;

  constructor(ctx: Context, namespace: string) {
    this.#ctx = ctx;
    this.namespace = namespace;
  }

  #entry(key: string, e: EncodedEntry): Entry<V> {
    return { key, value: decodeValue<V>(e.value), version: e.version, expiresAt: e.expiresAt };
  }

  async get(key: string): Promise<V | undefined> {
    return (await this.getEntry(key))?.value;
  }

  async getEntry(key: string): Promise<Entry<V> | undefined> {
    return (await this.getEntries([key]))[0];
  }

  async getMany(keys: readonly string[]): Promise<(V | undefined)[]> {
    return (await this.getEntries(keys)).map((e) => e?.value);
  }

  async getEntries(keys: readonly string[]): Promise<(Entry<V> | undefined)[]> {
    const ctx = this.#ctx;
    checkOpen(ctx, "read");
    const valid = checkKeys(keys);
    if (valid.length === 0) return [];
    const found = await run(ctx, "read", () => ctx.driver.kv.getMany(this.namespace, valid, ctx.now()));
    return found.map((e, i) => (e ? this.#entry(valid[i] as string, e) : undefined));
  }

  async has(key: string): Promise<boolean> {
    return (await this.getEntries([key]))[0] !== undefined;
  }

  async missing(keys: readonly string[]): Promise<string[]> {
    const ctx = this.#ctx;
    checkOpen(ctx, "read");
    const valid = checkKeys(keys);
    if (valid.length === 0) return [];
    const found = await run(ctx, "read", () => ctx.driver.kv.getMany(this.namespace, valid, ctx.now()));
    return valid.filter((_, i) => found[i] === undefined);
  }

  async set(key: string, value: V, options?: SetOptions): Promise<number> {
    const [version] = await this.setMany([{ ...options, key, value }]);
    return version as number;
  }

  async setMany(items: Iterable<SetManyItem<V>>): Promise<number[]> {
    const ctx = this.#ctx;
    checkOpen(ctx, "write");
    const now = ctx.now();
    const seen = new Set<string>();
    const writes: KvWrite[] = [];
    for (const item of items) {
      if (item === null || typeof item !== "object") throw new ValidationError("INVALID_OPTION", "setMany takes {key, value} items");
      const key = checkKey(item.key);
      if (seen.has(key)) throw new ValidationError("INVALID_KEY", `key ${JSON.stringify(key)} appears twice in one batch`);
      seen.add(key);
      checkConditions(ctx, item);
      const expiresAt = expiryFrom(ctx, item, now) ?? null;
      const write: KvWrite = { key, value: encodeValue(item.value, { maxBytes: ctx.maxBytes }), expiresAt };
      if (item.ifVersion !== undefined) (write as { ifVersion?: number }).ifVersion = item.ifVersion;
      if (item.ifAbsent) (write as { ifAbsent?: boolean }).ifAbsent = true;
      writes.push(write);
    }
    if (writes.length === 0) return [];
    const result = await run(ctx, "write", () => ctx.driver.kv.setMany(this.namespace, writes, now));
    if (!result.ok) throw conflict(this.namespace, result.conflicts.map((i) => writes[i]?.key ?? "?"));
    return result.results;
  }

  async update(
    key: string,
    fn: (current: V | undefined, entry: Entry<V> | undefined) => V | Promise<V>,
    options?: UpdateOptions,
  ): Promise<Entry<V>> {
    const ctx = this.#ctx;
    checkOpen(ctx, "update");
    checkKey(key);
    if (typeof fn !== "function") throw new ValidationError("INVALID_OPTION", "update needs a function");
    if (!ctx.driver.capabilities.cas) {
      throw new UnsupportedError(`the ${ctx.driver.name} driver does not support compare-and-set, which update() needs`);
    }
    const maxAttempts = options?.maxAttempts === undefined ? 100 : checkPositiveInt(options.maxAttempts, "maxAttempts", 10_000);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = await this.getEntry(key);
      const next = await fn(current?.value, current);
      const now = ctx.now();
      const expiresAt = expiryFrom(ctx, options, now) ?? current?.expiresAt ?? null;
      if (expiresAt !== null && expiresAt <= now) continue; // the entry expired meanwhile: read again
      const write: KvWrite = current
        ? { key, value: encodeValue(next, { maxBytes: ctx.maxBytes }), expiresAt, ifVersion: current.version }
        : { key, value: encodeValue(next, { maxBytes: ctx.maxBytes }), expiresAt, ifAbsent: true };
      const result = await run(ctx, "update", () => ctx.driver.kv.setMany(this.namespace, [write], now));
      if (result.ok) {
        return { key, value: decodeValue<V>(write.value), version: result.results[0] as number, expiresAt };
      }
      // Lost a race: back off a little (jittered, growing) and retry from a fresh read.
      await sleep(Math.random() * Math.min(2 ** attempt, 50));
    }
    throw new ConflictError(`update of ${JSON.stringify(key)} in "${this.namespace}" gave up after ${maxAttempts} conflicting attempts`, [key]);
  }

  async delete(key: string, options?: { readonly ifVersion?: number }): Promise<boolean> {
    const ctx = this.#ctx;
    checkOpen(ctx, "delete");
    checkKey(key);
    checkConditions(ctx, options);
    const del = options?.ifVersion !== undefined ? { key, ifVersion: options.ifVersion } : { key };
    const result = await run(ctx, "delete", () => ctx.driver.kv.deleteMany(this.namespace, [del], ctx.now()));
    if (!result.ok) throw conflict(this.namespace, [key]);
    return result.results[0] === true;
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    const ctx = this.#ctx;
    checkOpen(ctx, "delete");
    const unique = [...new Set(checkKeys(keys))];
    if (unique.length === 0) return 0;
    const result = await run(ctx, "delete", () =>
      ctx.driver.kv.deleteMany(this.namespace, unique.map((key) => ({ key })), ctx.now()),
    );
    if (!result.ok) throw conflict(this.namespace, result.conflicts.map((i) => unique[i] ?? "?"));
    return result.results.filter(Boolean).length;
  }

  async list(options?: ListOptions): Promise<Page<string>> {
    const ctx = this.#ctx;
    checkOpen(ctx, "list");
    const limit = pageLimit(options?.limit);
    const prefix = checkPrefix(options?.prefix);
    const scope = { kind: "kv", name: this.namespace, filter: prefix } as const;
    const after = options?.cursor === undefined ? undefined : decodeCursor(options.cursor, scope);
    const items = await run(ctx, "list", () =>
      ctx.driver.kv.list(this.namespace, { prefix, limit, withValues: false, ...(after === undefined ? {} : { after }) }, ctx.now()),
    );
    const keys = items.map((i) => i.key);
    const last = keys[keys.length - 1];
    return { items: keys, cursor: keys.length === limit && last !== undefined ? encodeCursor(scope, last) : undefined };
  }

  async *keys(options?: IterateOptions): AsyncIterableIterator<string> {
    for await (const [key] of this.#iterate(options, false)) yield key;
  }

  async *entries(options?: IterateOptions): AsyncIterableIterator<[string, V]> {
    for await (const [key, entry] of this.#iterate(options, true)) yield [key, decodeValue<V>((entry as EncodedEntry).value)];
  }

  async *#iterate(options: IterateOptions | undefined, withValues: boolean): AsyncIterableIterator<[string, EncodedEntry | undefined]> {
    const ctx = this.#ctx;
    checkOpen(ctx, "list");
    const prefix = checkPrefix(options?.prefix);
    const limit = options?.pageSize === undefined ? ITERATE_PAGE : checkPositiveInt(options.pageSize, "pageSize", MAX_PAGE);
    let after: string | undefined;
    for (;;) {
      const from = after;
      const items = await run(ctx, "list", () =>
        ctx.driver.kv.list(this.namespace, { prefix, limit, withValues, ...(from === undefined ? {} : { after: from }) }, ctx.now()),
      );
      for (const item of items) {
        if (withValues && item.entry === undefined) continue;
        yield [item.key, item.entry];
      }
      if (items.length < limit) return;
      after = items[items.length - 1]?.key;
    }
  }

  async count(options?: { readonly prefix?: string }): Promise<number> {
    const ctx = this.#ctx;
    checkOpen(ctx, "count");
    const prefix = checkPrefix(options?.prefix);
    return run(ctx, "count", () => ctx.driver.kv.count(this.namespace, prefix, ctx.now()));
  }

  async clear(): Promise<void> {
    const ctx = this.#ctx;
    await run(ctx, "clear", () => ctx.driver.kv.clear(this.namespace));
  }
}

function checkPrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === "") return "";
  return checkKey(prefix, "prefix");
}

function checkNodeType(type: unknown): string | null | undefined {
  if (type === undefined || type === null) return type;
  return checkKey(type, "node type");
}

function checkEdgeRef(ref: EdgeRef): EdgeKey {
  if (ref === null || typeof ref !== "object") throw new ValidationError("INVALID_KEY", "an edge is {from, type, to}");
  return { from: checkKey(ref.from, "edge from"), type: checkKey(ref.type, "edge type"), to: checkKey(ref.to, "edge to") };
}

function edgeId(k: EdgeKey): string {
  return `${k.from}\u0000${k.type}\u0000${k.to}`;
}

function checkMode(options: UpsertOptions | undefined): UpsertMode {
  const mode = options?.mode ?? "merge";
  if (mode !== "merge" && mode !== "replace") {
    throw new ValidationError("INVALID_OPTION", `mode must be "merge" or "replace", got ${describe(mode)}`);
  }
  return mode;
}

export function decodeNode<NP extends Props>(r: NodeRecord): Node<NP> {
  return { id: r.id, type: r.type, props: decodeProps<NP>(r.props) };
}

export function decodeEdge<EP extends Props>(r: EdgeRecord): Edge<EP> {
  return { from: r.from, type: r.type, to: r.to, props: decodeProps<EP>(r.props) };
}

class GraphView<NP extends Props, EP extends Props> implements Graph<NP, EP> {
  readonly name: string;
  readonly #ctx: Context;
  readonly #g: GraphDriver;

  constructor(ctx: Context, name: string, g: GraphDriver) {
    this.#ctx = ctx;
    this.name = name;
    this.#g = g;
  }

  #run<T>(what: string, fn: (g: GraphDriver) => Promise<T>): Promise<T> {
    return run(this.#ctx, what, () => fn(this.#g));
  }

  upsertNode(node: NodeInput<NP>, options?: UpsertOptions): Promise<void> {
    return this.upsertNodes([node], options);
  }

  async upsertNodes(nodes: Iterable<NodeInput<NP>>, options?: UpsertOptions): Promise<void> {
    checkOpen(this.#ctx, "upsert nodes");
    const mode = checkMode(options);
    // Duplicates are folded here, in order, so drivers see each id once per batch.
    const byId = new Map<string, { id: string; type?: string | null; props: string }>();
    for (const node of nodes) {
      if (node === null || typeof node !== "object") throw new ValidationError("INVALID_OPTION", "a node is {id, type?, props?}");
      const id = checkKey(node.id, "node id");
      const type = checkNodeType(node.type);
      const props = encodeProps(node.props, { maxBytes: this.#ctx.maxBytes }, `props of node ${JSON.stringify(id)}`);
      const prev = byId.get(id);
      if (prev && mode === "merge") {
        byId.set(id, { id, type: type === undefined ? prev.type : type, props: mergeEncodedProps(prev.props, props) });
      } else {
        byId.set(id, type === undefined ? { id, props } : { id, type, props });
      }
    }
    const writes = [...byId.values()] as NodeWrite[];
    if (writes.length === 0) return;
    await this.#run("upsert nodes", (g) => g.upsertNodes(this.name, writes, mode));
  }

  upsertEdge(edge: EdgeInput<EP>, options?: UpsertOptions): Promise<void> {
    return this.upsertEdges([edge], options);
  }

  async upsertEdges(edges: Iterable<EdgeInput<EP>>, options?: UpsertOptions): Promise<void> {
    checkOpen(this.#ctx, "upsert edges");
    const mode = checkMode(options);
    const byKey = new Map<string, EdgeRecord>();
    for (const edge of edges) {
      const record = { ...checkEdgeRef(edge), props: encodeProps(edge.props, { maxBytes: this.#ctx.maxBytes }, "edge props") };
      const id = edgeId(record);
      const prev = byKey.get(id);
      if (prev && mode === "merge") record.props = mergeEncodedProps(prev.props, record.props);
      byKey.set(id, record);
    }
    const writes = [...byKey.values()];
    if (writes.length === 0) return;
    await this.#run("upsert edges", (g) => g.upsertEdges(this.name, writes, mode));
  }

  async getNode(id: string): Promise<Node<NP> | undefined> {
    return (await this.getNodes([id]))[0];
  }

  async getNodes(ids: readonly string[]): Promise<(Node<NP> | undefined)[]> {
    checkOpen(this.#ctx, "read nodes");
    const valid = checkKeys(ids, "node id");
    if (valid.length === 0) return [];
    const found = await this.#run("read nodes", (g) => g.getNodes(this.name, valid));
    return found.map((r) => (r ? decodeNode<NP>(r) : undefined));
  }

  async getEdge(from: string, type: string, to: string): Promise<Edge<EP> | undefined> {
    return (await this.getEdges([{ from, type, to }]))[0];
  }

  async getEdges(refs: readonly EdgeRef[]): Promise<(Edge<EP> | undefined)[]> {
    checkOpen(this.#ctx, "read edges");
    if (!Array.isArray(refs)) throw new ValidationError("INVALID_KEY", "getEdges takes an array of {from, type, to}");
    const keys = refs.map(checkEdgeRef);
    if (keys.length === 0) return [];
    const found = await this.#run("read edges", (g) => g.getEdges(this.name, keys));
    return found.map((r) => (r ? decodeEdge<EP>(r) : undefined));
  }

  async deleteNode(id: string): Promise<boolean> {
    return (await this.deleteNodes([id])) === 1;
  }

  async deleteNodes(ids: readonly string[]): Promise<number> {
    checkOpen(this.#ctx, "delete nodes");
    const unique = [...new Set(checkKeys(ids, "node id"))];
    if (unique.length === 0) return 0;
    return this.#run("delete nodes", (g) => g.deleteNodes(this.name, unique));
  }

  async deleteEdge(from: string, type: string, to: string): Promise<boolean> {
    return (await this.deleteEdges([{ from, type, to }])) === 1;
  }

  async deleteEdges(refs: readonly EdgeRef[]): Promise<number> {
    checkOpen(this.#ctx, "delete edges");
    if (!Array.isArray(refs)) throw new ValidationError("INVALID_KEY", "deleteEdges takes an array of {from, type, to}");
    const byId = new Map(refs.map((r) => {
      const k = checkEdgeRef(r);
      return [edgeId(k), k] as const;
    }));
    if (byId.size === 0) return 0;
    return this.#run("delete edges", (g) => g.deleteEdges(this.name, [...byId.values()]));
  }

  async neighbors(id: string, options?: NeighborOptions): Promise<Neighbor<EP>[]> {
    checkOpen(this.#ctx, "read neighbors");
    checkKey(id, "node id");
    const direction = checkDirection(options?.direction);
    const types = checkTypes(options?.types);
    const limit = options?.limit === undefined ? undefined : checkPositiveInt(options.limit, "limit");
    const query = { direction, ...(types ? { types } : {}), ...(limit ? { limit } : {}) };
    const [edges = []] = await this.#run("read neighbors", (g) => g.neighbors(this.name, [id], query));
    return edges.map((r) => {
      const out = r.from === id;
      return { id: out ? r.to : r.from, direction: out ? "out" : "in", edge: decodeEdge<EP>(r) } as Neighbor<EP>;
    });
  }

  async degree(id: string, options?: Omit<NeighborOptions, "limit">): Promise<number> {
    checkOpen(this.#ctx, "read degree");
    checkKey(id, "node id");
    const direction = checkDirection(options?.direction);
    const types = checkTypes(options?.types);
    const [n = 0] = await this.#run("read degree", (g) => g.degree(this.name, [id], { direction, ...(types ? { types } : {}) }));
    return n;
  }

  async traverse(seeds: string | readonly string[], options: TraverseOptions): Promise<TraverseResult<NP, EP>> {
    checkOpen(this.#ctx, "traverse");
    const result = await this.#run("traverse", (g) => traverse(g, this.name, seeds, options, this.#ctx.driver.capabilities.nativeTraversal));
    return {
      nodes: result.nodes.map((n) => ({ ...decodeNode<NP>(n), depth: n.depth })),
      edges: result.edges.map((e) => decodeEdge<EP>(e)),
      truncated: result.truncated,
    };
  }

  async findPaths(from: string, to: string, options: FindPathsOptions): Promise<Path<EP>[]> {
    checkOpen(this.#ctx, "find paths");
    const paths = await this.#run("find paths", (g) => findPaths(g, this.name, from, to, options));
    return paths.map((p) => ({ nodes: p.nodes, edges: p.edges.map((e) => decodeEdge<EP>(e)) }));
  }

  async shortestPath(from: string, to: string, options: PathOptions): Promise<Path<EP> | undefined> {
    checkOpen(this.#ctx, "find a shortest path");
    const path = await this.#run("find a shortest path", (g) => shortestPath(g, this.name, from, to, options));
    return path && { nodes: path.nodes, edges: path.edges.map((e) => decodeEdge<EP>(e)) };
  }

  async listNodes(options?: NodeListOptions): Promise<Page<Node<NP>>> {
    checkOpen(this.#ctx, "list nodes");
    const limit = pageLimit(options?.limit);
    const type = options?.type === undefined ? undefined : checkKey(options.type, "node type");
    const scope = { kind: "node", name: this.name, filter: type ?? "" } as const;
    const after = options?.cursor === undefined ? undefined : decodeCursor(options.cursor, scope);
    const records = await this.#run("list nodes", (g) =>
      g.listNodes(this.name, { limit, ...(type === undefined ? {} : { type }), ...(after === undefined ? {} : { after }) }),
    );
    const last = records[records.length - 1];
    return {
      items: records.map((r) => decodeNode<NP>(r)),
      cursor: records.length === limit && last ? encodeCursor(scope, last.id) : undefined,
    };
  }

  async listEdges(options?: NodeListOptions): Promise<Page<Edge<EP>>> {
    checkOpen(this.#ctx, "list edges");
    const limit = pageLimit(options?.limit);
    const type = options?.type === undefined ? undefined : checkKey(options.type, "edge type");
    const scope = { kind: "edge", name: this.name, filter: type ?? "" } as const;
    const after = options?.cursor === undefined ? undefined : decodeCursor(options.cursor, scope);
    const records = await this.#run("list edges", (g) =>
      g.listEdges(this.name, { limit, ...(type === undefined ? {} : { type }), ...(after === undefined ? {} : { after }) }),
    );
    const last = records[records.length - 1];
    return {
      items: records.map((r) => decodeEdge<EP>(r)),
      cursor: records.length === limit && last ? encodeCursor(scope, { from: last.from, type: last.type, to: last.to }) : undefined,
    };
  }

  async *nodes(options?: { readonly type?: string; readonly pageSize?: number }): AsyncIterableIterator<Node<NP>> {
    let cursor: string | undefined;
    const limit = options?.pageSize ?? ITERATE_PAGE;
    do {
      const page = await this.listNodes({ limit, ...(options?.type === undefined ? {} : { type: options.type }), ...(cursor ? { cursor } : {}) });
      yield* page.items;
      cursor = page.cursor;
    } while (cursor);
  }

  async *edges(options?: { readonly type?: string; readonly pageSize?: number }): AsyncIterableIterator<Edge<EP>> {
    let cursor: string | undefined;
    const limit = options?.pageSize ?? ITERATE_PAGE;
    do {
      const page = await this.listEdges({ limit, ...(options?.type === undefined ? {} : { type: options.type }), ...(cursor ? { cursor } : {}) });
      yield* page.items;
      cursor = page.cursor;
    } while (cursor);
  }

  async nearest<M extends Props = Props>(vector: VectorLike, options: NearestOptions): Promise<NearestNode<NP, M>[]> {
    checkOpen(this.#ctx, "find nearest nodes");
    return (await nearestNodes<NP>(this.#ctx.driver, this.name, this.#g, vector, options)) as NearestNode<NP, M>[];
  }

  async traverseFromNearest(vector: VectorLike, options: TraverseFromNearestOptions): Promise<NearestTraverseResult<NP, EP>> {
    checkOpen(this.#ctx, "traverse from nearest nodes");
    if (options === null || typeof options !== "object") throw new ValidationError("INVALID_OPTION", "traverseFromNearest needs options");
    const { nearest, ...traverseOptions } = options;
    const query = traverseQuery(traverseOptions);
    const { seeds, traversal } = await traverseFromNearestRecords<NP>(this.#ctx.driver, this.name, this.#g, vector, nearest, query, (what, fn) => this.#run(what, () => fn()));
    return {
      seeds,
      nodes: traversal.nodes.map((n) => ({ ...decodeNode<NP>(n), depth: n.depth })),
      edges: traversal.edges.map((e) => decodeEdge<EP>(e)),
      truncated: traversal.truncated,
    };
  }

  async stats(): Promise<{ nodes: number; edges: number }> {
    return this.#run("read stats", (g) => g.stats(this.name));
  }

  async clear(): Promise<void> {
    await this.#run("clear", (g) => g.clear(this.name));
  }
}

class StoreImpl implements Store {
  readonly #ctx: Context;

  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  get driverName(): string {
    return this.#ctx.driver.name;
  }

  get capabilities() {
    return this.#ctx.driver.capabilities;
  }

  get closed(): boolean {
    return this.#ctx.closed;
  }

  kv<V = unknown>(namespace: string): KV<V> {
    checkOpen(this.#ctx, "open a namespace");
    return new KvView<V>(this.#ctx, checkName(namespace, "namespace"));
  }

  graph<NP extends Props = Props, EP extends Props = Props>(name: string): Graph<NP, EP> {
    checkOpen(this.#ctx, "open a graph");
    const g = this.#ctx.driver.graph;
    if (!g || !this.#ctx.driver.capabilities.graph) {
      throw new UnsupportedError(`the ${this.#ctx.driver.name} driver does not support graphs`);
    }
    return new GraphView<NP, EP>(this.#ctx, checkName(name, "graph name"), g);
  }

  vectors<M extends Props = Props>(name: string, options: VectorCollectionOptions): VectorCollection<M> {
    checkOpen(this.#ctx, "open a vector collection");
    const spec = checkSpec(name, options);
    vectorDriver(this.#ctx.driver);
    const ctx = this.#ctx;
    const deps: VectorDeps = {
      driver: ctx.driver,
      maxBytes: ctx.maxBytes,
      verified: ctx.verified,
      checkOpen: (what) => checkOpen(ctx, what),
      run: (what, fn) => run(ctx, what, fn),
    };
    return new VectorView<M>(deps, spec);
  }

  vectorCollections(): Promise<VectorCollectionInfo[]> {
    const v = this.#ctx.driver.capabilities.vectors ? this.#ctx.driver.vectors : undefined;
    return run(this.#ctx, "list vector collections", async () =>
      v ? (await v.collections()).map((c) => ({ name: c.name, dims: c.dims, metric: c.metric })) : [],
    );
  }

  namespaces(): Promise<string[]> {
    return run(this.#ctx, "list namespaces", () => this.#ctx.driver.kv.namespaces(this.#ctx.now()));
  }

  graphs(): Promise<string[]> {
    const g = this.#ctx.driver.graph;
    return run(this.#ctx, "list graphs", async () => (g ? g.graphs() : []));
  }

  async ping(): Promise<PingResult> {
    const started = performance.now();
    const health = await run(this.#ctx, "ping", () => this.#ctx.driver.ping());
    const latencyMs = performance.now() - started;
    return {
      latencyMs,
      circuit: this.#ctx.circuit(),
      ...(health?.pool ? { pool: health.pool } : {}),
      ...(health?.schemaVersion !== undefined ? { schemaVersion: health.schemaVersion } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.#ctx.closed) return;
    this.#ctx.closed = true;
    try {
      await this.#ctx.driver.close();
    } catch (error) {
      throw toStowageError(error, `${this.#ctx.driver.name} driver failed to close`);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Wraps a driver in the public API. */
export function createStore(driver: Driver, options: StoreOptions = {}): Store {
  if (!driver || typeof driver !== "object" || !driver.kv || !driver.capabilities) {
    throw new ValidationError("INVALID_OPTION", "createStore takes a Driver (see @stowage/core's spi.ts)");
  }
  const limit = driver.capabilities.maxValueBytes;
  const requested = options.maxValueBytes === undefined ? DEFAULT_MAX_VALUE_BYTES : checkPositiveInt(options.maxValueBytes, "maxValueBytes");
  // Every driver call goes through the circuit breaker and the observer (guard.ts).
  const guarded = guardDriver(driver, options.circuitBreaker);
  const ctx: Context = {
    driver: guarded.driver,
    now: options.now ?? Date.now,
    maxBytes: Math.min(requested, limit),
    circuit: guarded.circuit,
    succeeded: guarded.succeeded,
    failed: guarded.failed,
    closed: false,
    verified: new Map(),
  };
  const store = new StoreImpl(ctx);
  contexts.set(store, ctx);
  return store;
}

const contexts = new WeakMap<Store, Context>();

/** The driver and clock behind a store, for tools that move raw records (export, import, migrate). */
export function storeInternals(store: Store): { driver: Driver; now: () => number; maxBytes: number } {
  const ctx = contexts.get(store);
  if (!ctx) throw new ValidationError("INVALID_OPTION", "not a store made by openStore() or createStore()");
  checkOpen(ctx, "use the store");
  return ctx;
}
