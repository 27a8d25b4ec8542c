// Public types of vector collections and of graph + vector retrieval.

import type { VectorFilter, VectorMetric } from "./vectors.ts";

/** Same as `Props` in types.ts (kept here so this file imports nothing from there). */
type Props = Record<string, unknown>;

export type { FilterScalar, VectorFilter, VectorMetric } from "./vectors.ts";

export interface VectorCollectionOptions {
  /** Number of components, 1..4096; fixed when the collection is created. */
  readonly dims: number;
  /** Fixed when the collection is created. */
  readonly metric: VectorMetric;
}

export interface VectorCollectionInfo extends VectorCollectionOptions {
  readonly name: string;
}

/** Components are stored as float32: a number comes back as `Math.fround(number)`. */
export type VectorLike = Float32Array | Float64Array | readonly number[];

export interface VectorInput<M extends Props = Props> {
  readonly id: string;
  readonly vector: VectorLike;
  /** Props-like object (default `{}`); replaced whole on every upsert. Filters see its top-level fields. */
  readonly metadata?: M;
}

export interface VectorItem<M extends Props = Props> {
  readonly id: string;
  readonly vector: Float32Array;
  readonly metadata: M;
}

export interface VectorQueryOptions {
  /** How many results, 1..1000. */
  readonly k: number;
  /** `{ field: value | { $eq, $in, $gt, $gte, $lt, $lte } }`, all conditions must hold. */
  readonly filter?: VectorFilter;
  /** Return each match's vector (default false). */
  readonly includeVectors?: boolean;
  /** Never use an approximate index (default false: drivers with one may use it). */
  readonly exact?: boolean;
}

export interface VectorMatch<M extends Props = Props> {
  readonly id: string;
  /** cosine: similarity in [-1, 1], higher is nearer; dot: dot product, higher is nearer; l2: Euclidean distance, lower is nearer. */
  readonly score: number;
  readonly metadata: M;
  readonly vector?: Float32Array;
}

/** A named collection of vectors with fixed dims and metric. */
export interface VectorCollection<M extends Props = Props> {
  readonly name: string;
  readonly dims: number;
  readonly metric: VectorMetric;
  /** Inserts or replaces; all or nothing. Ids must be unique within the call. */
  upsert(items: Iterable<VectorInput<M>>): Promise<void>;
  /** In input order, `undefined` where missing. */
  get(ids: readonly string[]): Promise<(VectorItem<M> | undefined)[]>;
  /** Returns how many existed. */
  delete(ids: readonly string[]): Promise<number>;
  count(): Promise<number>;
  /** Removes every vector; the collection (dims, metric) stays. */
  clear(): Promise<void>;
  /** Removes the collection and its definition; false when it did not exist. */
  drop(): Promise<boolean>;
  /** Nearest first, ties by id (UTF-8 byte order). */
  query(vector: VectorLike, options: VectorQueryOptions): Promise<VectorMatch<M>[]>;
}

export interface NearestOptions extends VectorQueryOptions {
  /** The collection whose ids are this graph's node ids. */
  readonly collection: VectorCollection;
  /** Only nodes of this type. */
  readonly type?: string;
}

export interface NearestNode<NP extends Props = Props, M extends Props = Props>
  extends VectorMatch<M> {
  /** The graph node with the vector's id. */
  readonly node: { readonly id: string; readonly type: string | null; readonly props: NP };
}
