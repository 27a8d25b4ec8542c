// The public vector collection over a driver's VectorDriver, and graph + vector retrieval.
// Everything is checked here before a driver sees it.

import { decodeProps, encodeProps } from "./codec.ts";
import { UnsupportedError, ValidationError } from "./errors.ts";
import type {
  Driver,
  GraphDriver,
  NodeRecord,
  TraverseQuery,
  TraverseRecords,
  VectorCollectionSpec,
  VectorDriver,
  VectorHit,
  VectorRecord,
  VectorSearch,
} from "./spi.ts";
import type {
  NearestNode,
  NearestOptions,
  VectorCollection,
  VectorInput,
  VectorItem,
  VectorLike,
  VectorMatch,
  VectorQueryOptions,
} from "./vector-types.ts";
import {
  checkCollectionName,
  checkDims,
  checkFilter,
  checkMetric,
  MAX_VECTOR_K,
  toFloat32,
} from "./vectors.ts";
import { traverseChecked } from "./traversal.ts";
import { checkKey, checkKeys, checkPositiveInt, compareUtf8, describe } from "./validate.ts";

type Props = Record<string, unknown>;

/** What a vector view needs from its store. */
export interface VectorDeps {
  readonly driver: Driver;
  readonly maxBytes: number;
  /** Collections whose stored definition this store already compared: name → "dims/metric". */
  readonly verified: Map<string, string>;
  checkOpen(what: string): void;
  run<T>(what: string, fn: () => Promise<T>): Promise<T>;
}

export function vectorDriver(driver: Driver): VectorDriver {
  if (!driver.vectors || !driver.capabilities.vectors) {
    throw new UnsupportedError(`the ${driver.name} driver does not support vector collections`);
  }
  return driver.vectors;
}

/** Checks name, dims and metric (the collection itself is compared on first use). */
export function checkSpec(name: unknown, options: unknown): VectorCollectionSpec {
  if (options === null || typeof options !== "object") {
    throw new ValidationError(
      "INVALID_OPTION",
      "vectors(name, { dims, metric }) needs dims and metric",
    );
  }
  const o = options as { dims?: unknown; metric?: unknown };
  return {
    name: checkCollectionName(name),
    dims: checkDims(o.dims),
    metric: checkMetric(o.metric),
  };
}

/** Checks a query: vector, k (1..1000), filter, flags. */
export function checkSearch(
  spec: VectorCollectionSpec,
  vector: unknown,
  options: VectorQueryOptions | undefined,
): VectorSearch {
  if (options === null || typeof options !== "object")
    throw new ValidationError("INVALID_OPTION", "query needs options with k");
  const k = checkPositiveInt(options.k, "k", MAX_VECTOR_K);
  for (const flag of ["includeVectors", "exact"] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== "boolean") {
      throw new ValidationError(
        "INVALID_OPTION",
        `${flag} must be a boolean, got ${describe(options[flag])}`,
      );
    }
  }
  return {
    vector: toFloat32(vector, spec.dims, spec.metric, "query vector"),
    k,
    filter: checkFilter(options.filter),
    includeVectors: options.includeVectors === true,
    exact: options.exact === true,
  };
}

function match<M extends Props>(hit: VectorHit, withVector: boolean): VectorMatch<M> {
  const m = { id: hit.id, score: hit.score, metadata: decodeProps<M>(hit.metadata) };
  return withVector && hit.vector ? { ...m, vector: hit.vector } : m;
}

export class VectorView<M extends Props = Props> implements VectorCollection<M> {
  readonly name: string;
  readonly dims: number;
  readonly metric: VectorCollectionSpec["metric"];
  readonly #deps: VectorDeps;
  readonly #spec: VectorCollectionSpec;

  constructor(deps: VectorDeps, spec: VectorCollectionSpec) {
    this.#deps = deps;
    this.#spec = spec;
    this.name = spec.name;
    this.dims = spec.dims;
    this.metric = spec.metric;
  }

  /** The spec, after checking it against the stored definition (once per store). */
  get spec(): VectorCollectionSpec {
    return this.#spec;
  }

  async #ready(what: string): Promise<VectorDriver> {
    const deps = this.#deps;
    deps.checkOpen(what);
    const v = vectorDriver(deps.driver);
    const key = `${this.dims}/${this.metric}`;
    if (deps.verified.get(this.name) === key) return v;
    const stored = await deps.run(what, () => v.ensure(this.#spec));
    if (stored.dims !== this.dims || stored.metric !== this.metric) {
      throw new ValidationError(
        "INVALID_OPTION",
        `vector collection "${this.name}" has dims ${stored.dims} and metric ${stored.metric}; it was opened with dims ${this.dims} and metric ${this.metric}`,
      );
    }
    deps.verified.set(this.name, key);
    return v;
  }

  async upsert(items: Iterable<VectorInput<M>>): Promise<void> {
    this.#deps.checkOpen("upsert vectors");
    const records: VectorRecord[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      if (item === null || typeof item !== "object")
        throw new ValidationError("INVALID_VALUE", "upsert takes { id, vector, metadata? } items");
      const id = checkKey(item.id, "vector id");
      if (seen.has(id))
        throw new ValidationError(
          "INVALID_KEY",
          `vector id ${JSON.stringify(id)} appears twice in one batch`,
        );
      seen.add(id);
      const vector = toFloat32(item.vector, this.dims, this.metric, `vector ${JSON.stringify(id)}`);
      const metadata = encodeProps(item.metadata, { maxBytes: this.#deps.maxBytes }, "metadata");
      records.push({ id, vector, metadata });
    }
    if (records.length === 0) return;
    const v = await this.#ready("upsert vectors");
    await this.#deps.run("upsert vectors", () => v.upsert(this.#spec, records));
  }

  async get(ids: readonly string[]): Promise<(VectorItem<M> | undefined)[]> {
    this.#deps.checkOpen("read vectors");
    const valid = checkKeys(ids, "vector id");
    if (valid.length === 0) return [];
    const v = await this.#ready("read vectors");
    const found = await this.#deps.run("read vectors", () => v.get(this.#spec, valid));
    return found.map(
      (r) => r && { id: r.id, vector: r.vector, metadata: decodeProps<M>(r.metadata) },
    );
  }

  async delete(ids: readonly string[]): Promise<number> {
    this.#deps.checkOpen("delete vectors");
    const unique = [...new Set(checkKeys(ids, "vector id"))];
    if (unique.length === 0) return 0;
    const v = await this.#ready("delete vectors");
    return this.#deps.run("delete vectors", () => v.delete(this.#spec, unique));
  }

  async count(): Promise<number> {
    const v = await this.#ready("count vectors");
    return this.#deps.run("count vectors", () => v.count(this.#spec));
  }

  async clear(): Promise<void> {
    const v = await this.#ready("clear vectors");
    await this.#deps.run("clear vectors", () => v.clear(this.#spec));
  }

  async drop(): Promise<boolean> {
    this.#deps.checkOpen("drop a vector collection");
    const v = vectorDriver(this.#deps.driver);
    this.#deps.verified.delete(this.name);
    return this.#deps.run("drop a vector collection", () => v.drop(this.name));
  }

  async query(vector: VectorLike, options: VectorQueryOptions): Promise<VectorMatch<M>[]> {
    this.#deps.checkOpen("query vectors");
    const search = checkSearch(this.#spec, vector, options);
    const v = await this.#ready("query vectors");
    const hits = await this.#deps.run("query vectors", () => v.query(this.#spec, search));
    return hits.map((h) => match<M>(h, search.includeVectors));
  }

  /** The driver's one-round-trip traverseFromNearest, bound to this collection; undefined when it has none. */
  nativeTraverseFromNearest(driver: Driver):
    | ((
        graph: string,
        vector: VectorLike,
        options: VectorQueryOptions,
        type: string | undefined,
        query: TraverseQuery,
      ) => Promise<{ seeds: Array<VectorHit & { node: NodeRecord }>; traversal: TraverseRecords }>)
    | undefined {
    if (driver !== this.#deps.driver)
      throw new ValidationError("INVALID_OPTION", "nearest: the collection belongs to another store");
    if (!driver.capabilities.nativeTraversal || !driver.vectors?.traverseFromNearest) return undefined;
    return async (graph, vector, options, type, query) => {
      const search = checkSearch(this.#spec, vector, options);
      const v = await this.#ready("traverse from nearest nodes");
      const native = v.traverseFromNearest?.bind(v);
      if (!native) throw new Error("unreachable: traverseFromNearest vanished");
      return this.#deps.run("traverse from nearest nodes", () => native(this.#spec, graph, search, type, query));
    };
  }

  /** The k nearest vectors that are nodes of `graph` (of `type`), with their node records. */
  async nearestRecords(
    driver: Driver,
    graph: string,
    g: GraphDriver,
    vector: VectorLike,
    options: VectorQueryOptions,
    type: string | undefined,
  ): Promise<Array<VectorHit & { node: NodeRecord }>> {
    if (driver !== this.#deps.driver)
      throw new ValidationError(
        "INVALID_OPTION",
        "nearest: the collection belongs to another store",
      );
    const search = checkSearch(this.#spec, vector, options);
    const v = await this.#ready("find nearest nodes");
    if (v.nearestNodes) {
      const native = v.nearestNodes.bind(v);
      return this.#deps.run("find nearest nodes", () => native(this.#spec, graph, search, type));
    }
    // Fallback: ask for more vectors until k of them are nodes (of the type) or none are left.
    let want = search.k;
    for (;;) {
      const wanted = want;
      const hits = await this.#deps.run("find nearest nodes", () =>
        v.query(this.#spec, { ...search, k: wanted }),
      );
      const nodes =
        hits.length === 0
          ? []
          : await this.#deps.run("find nearest nodes", () =>
              g.getNodes(
                graph,
                hits.map((h) => h.id),
              ),
            );
      const out: Array<VectorHit & { node: NodeRecord }> = [];
      hits.forEach((h, i) => {
        const node = nodes[i];
        if (node && (type === undefined || node.type === type) && out.length < search.k)
          out.push({ ...h, node });
      });
      if (out.length >= search.k || hits.length < wanted) return out;
      want *= 4;
    }
  }
}

function checkNearest(options: NearestOptions): { collection: VectorView; type: string | undefined } {
  if (
    options === null ||
    typeof options !== "object" ||
    !(options.collection instanceof VectorView)
  ) {
    throw new ValidationError(
      "INVALID_OPTION",
      "nearest needs { k, collection } where collection comes from store.vectors()",
    );
  }
  const type = options.type === undefined ? undefined : checkKey(options.type, "node type");
  return { collection: options.collection, type };
}

function decodeNearest<NP extends Props>(
  records: ReadonlyArray<VectorHit & { node: NodeRecord }>,
  includeVectors: boolean,
): NearestNode<NP>[] {
  return records.map((r) => ({
    ...match(r, includeVectors),
    node: { id: r.node.id, type: r.node.type, props: decodeProps<NP>(r.node.props) },
  }));
}

/** `graph.nearest`: checks the options and decodes the nodes. */
export async function nearestNodes<NP extends Props>(
  driver: Driver,
  graph: string,
  g: GraphDriver,
  vector: VectorLike,
  options: NearestOptions,
): Promise<NearestNode<NP>[]> {
  const { collection, type } = checkNearest(options);
  const records = await collection.nearestRecords(driver, graph, g, vector, options, type);
  return decodeNearest<NP>(records, options.includeVectors === true);
}

/**
 * `graph.traverseFromNearest`: the driver's one-round-trip `traverseFromNearest` when it has one
 * (and native traversal), otherwise `nearest` then `traverse`. Every option is checked first.
 */
export async function traverseFromNearestRecords<NP extends Props>(
  driver: Driver,
  graph: string,
  g: GraphDriver,
  vector: VectorLike,
  nearest: NearestOptions,
  query: TraverseQuery,
  run: <T>(what: string, fn: () => Promise<T>) => Promise<T>,
): Promise<{ seeds: NearestNode<NP>[]; traversal: TraverseRecords }> {
  const { collection, type } = checkNearest(nearest);
  const includeVectors = nearest.includeVectors === true;
  const native = collection.nativeTraverseFromNearest(driver);
  if (native) {
    const out = await native(graph, vector, nearest, type, query);
    return { seeds: decodeNearest<NP>(out.seeds, includeVectors), traversal: out.traversal };
  }
  const records = await collection.nearestRecords(driver, graph, g, vector, nearest, type);
  const seeds = [...new Set(records.map((r) => r.node.id))].sort(compareUtf8);
  const traversal = await run("traverse from nearest nodes", () =>
    traverseChecked(g, graph, seeds, query, driver.capabilities.nativeTraversal),
  );
  return { seeds: decodeNearest<NP>(records, includeVectors), traversal };
}
