// Vector collections: the checks, the portable filter language and the brute-force reference
// scoring every driver must agree with. Drivers get vectors as Float32Array, already checked.

import { ValidationError } from "./errors.ts";
import { checkKey, checkName, compareUtf8, describe } from "./validate.ts";

export type VectorMetric = "cosine" | "l2" | "dot";
export const VECTOR_METRICS: readonly VectorMetric[] = Object.freeze(["cosine", "l2", "dot"]);
/** Largest number of dimensions a collection may have. */
export const MAX_VECTOR_DIMS = 4096;
/** Largest `k` a query may ask for. */
export const MAX_VECTOR_K = 1000;
/** Most values one `$in` may list. */
export const MAX_FILTER_VALUES = 1000;
/** Most conditions one filter may hold. */
export const MAX_FILTER_CONDITIONS = 64;

/** A scalar a filter compares with. */
export type FilterScalar = string | number | boolean | null;

/** One condition of a checked filter; a filter is the AND of its conditions. */
export type FilterCondition =
  | { readonly field: string; readonly op: "eq"; readonly value: FilterScalar }
  | { readonly field: string; readonly op: "in"; readonly values: readonly FilterScalar[] }
  | {
      readonly field: string;
      readonly op: "gt" | "gte" | "lt" | "lte";
      readonly value: string | number;
    };

/** The filter as users write it: `{ field: scalar | { $eq | $in | $gt | $gte | $lt | $lte } }`. */
export type VectorFilter = Readonly<
  Record<
    string,
    | FilterScalar
    | {
        readonly $eq?: FilterScalar;
        readonly $in?: readonly FilterScalar[];
        readonly $gt?: string | number;
        readonly $gte?: string | number;
        readonly $lt?: string | number;
        readonly $lte?: string | number;
      }
  >
>;

export function checkMetric(metric: unknown): VectorMetric {
  if (!VECTOR_METRICS.includes(metric as VectorMetric)) {
    throw new ValidationError(
      "INVALID_OPTION",
      `metric must be "cosine", "l2" or "dot", got ${describe(metric)}`,
    );
  }
  return metric as VectorMetric;
}

export function checkDims(dims: unknown): number {
  if (typeof dims !== "number" || !Number.isInteger(dims) || dims < 1 || dims > MAX_VECTOR_DIMS) {
    throw new ValidationError(
      "INVALID_OPTION",
      `dims must be an integer from 1 to ${MAX_VECTOR_DIMS}, got ${describe(dims)}`,
    );
  }
  return dims;
}

export function checkCollectionName(name: unknown): string {
  return checkName(name, "vector collection name");
}

/**
 * A vector as float32: a Float32Array (copied), or an array / typed array of numbers, each
 * rounded to float32. Wrong length, a non-finite component (also one that overflows float32)
 * and, for cosine, a zero vector are ValidationErrors.
 */
export function toFloat32(
  vector: unknown,
  dims: number,
  metric: VectorMetric,
  what = "vector",
): Float32Array {
  const ok =
    Array.isArray(vector) || vector instanceof Float32Array || vector instanceof Float64Array;
  if (!ok)
    throw new ValidationError(
      "INVALID_VALUE",
      `${what} must be a Float32Array or an array of numbers, got ${describe(vector)}`,
    );
  const source = vector as ArrayLike<unknown>;
  if (source.length !== dims) {
    throw new ValidationError(
      "INVALID_VALUE",
      `${what} has ${source.length} dimensions, the collection has ${dims}`,
    );
  }
  const out = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    const x = source[i];
    if (typeof x !== "number")
      throw new ValidationError("INVALID_VALUE", `${what}[${i}] is not a number: ${describe(x)}`);
    out[i] = x;
    const f = out[i] as number;
    if (!Number.isFinite(f)) {
      throw new ValidationError(
        "INVALID_VALUE",
        `${what}[${i}] is ${x}: components must be finite float32 numbers`,
      );
    }
    norm += f * f;
  }
  if (metric === "cosine" && norm === 0) {
    throw new ValidationError(
      "INVALID_VALUE",
      `${what} is all zeros: cosine similarity is undefined for it`,
    );
  }
  return out;
}

function checkScalar(value: unknown, where: string): FilterScalar {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new ValidationError(
    "INVALID_OPTION",
    `filter ${where}: expected a string, finite number, boolean or null, got ${describe(value)}`,
  );
}

function checkBound(value: unknown, where: string): string | number {
  if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value)))
    return value;
  throw new ValidationError(
    "INVALID_OPTION",
    `filter ${where}: a range bound must be a string or a finite number, got ${describe(value)}`,
  );
}

const RANGE_OPS = { $gt: "gt", $gte: "gte", $lt: "lt", $lte: "lte" } as const;

/** Checks a user filter and turns it into conditions (AND). Unknown operators are ValidationErrors. */
export function checkFilter(filter: unknown): FilterCondition[] {
  if (filter === undefined) return [];
  if (filter === null || typeof filter !== "object" || Array.isArray(filter)) {
    throw new ValidationError(
      "INVALID_OPTION",
      "filter must be an object of { field: value | { $op: value } }",
    );
  }
  const out: FilterCondition[] = [];
  for (const [field, spec] of Object.entries(filter)) {
    checkKey(field, "filter field");
    if (field.startsWith("$"))
      throw new ValidationError(
        "INVALID_OPTION",
        `filter: unknown operator ${JSON.stringify(field)} (fields must not start with "$")`,
      );
    if (spec === null || typeof spec !== "object") {
      out.push({ field, op: "eq", value: checkScalar(spec, `field ${JSON.stringify(field)}`) });
      continue;
    }
    if (Array.isArray(spec))
      throw new ValidationError(
        "INVALID_OPTION",
        `filter field ${JSON.stringify(field)}: use { $in: [...] } to match one of several values`,
      );
    const ops = Object.entries(spec);
    if (ops.length === 0)
      throw new ValidationError(
        "INVALID_OPTION",
        `filter field ${JSON.stringify(field)} has no operator`,
      );
    for (const [op, value] of ops) {
      const where = `${JSON.stringify(field)}.${op}`;
      if (op === "$eq") out.push({ field, op: "eq", value: checkScalar(value, where) });
      else if (op === "$in") {
        if (!Array.isArray(value) || value.length === 0 || value.length > MAX_FILTER_VALUES) {
          throw new ValidationError(
            "INVALID_OPTION",
            `filter ${where}: expected an array of 1 to ${MAX_FILTER_VALUES} values`,
          );
        }
        out.push({ field, op: "in", values: value.map((v) => checkScalar(v, where)) });
      } else if (Object.hasOwn(RANGE_OPS, op)) {
        out.push({
          field,
          op: RANGE_OPS[op as keyof typeof RANGE_OPS],
          value: checkBound(value, where),
        });
      } else {
        throw new ValidationError(
          "INVALID_OPTION",
          `filter: unknown operator ${JSON.stringify(op)} on field ${JSON.stringify(field)} (use $eq, $in, $gt, $gte, $lt, $lte)`,
        );
      }
    }
  }
  if (out.length > MAX_FILTER_CONDITIONS)
    throw new ValidationError(
      "INVALID_OPTION",
      `filter has more than ${MAX_FILTER_CONDITIONS} conditions`,
    );
  return out;
}

function sameScalar(stored: unknown, value: FilterScalar): boolean {
  // Type-strict: 1 never equals "1" or true; a missing field never equals null.
  return stored !== undefined && stored === value;
}

function inRange(
  stored: unknown,
  op: "gt" | "gte" | "lt" | "lte",
  bound: string | number,
): boolean {
  let c: number;
  if (typeof bound === "number") {
    if (typeof stored !== "number") return false;
    c = stored < bound ? -1 : stored > bound ? 1 : 0;
  } else {
    if (typeof stored !== "string") return false;
    c = compareUtf8(stored, bound);
  }
  return op === "gt" ? c > 0 : op === "gte" ? c >= 0 : op === "lt" ? c < 0 : c <= 0;
}

/**
 * The reference meaning of a filter over decoded metadata (top-level fields): equality is
 * type-strict, a range compares numbers with numbers and strings with strings (UTF-8 byte order),
 * and a field of another type (or missing) never matches.
 */
export function matchesFilter(
  metadata: Record<string, unknown>,
  filter: readonly FilterCondition[],
): boolean {
  for (const c of filter) {
    const stored = Object.hasOwn(metadata, c.field) ? metadata[c.field] : undefined;
    if (c.op === "eq") {
      if (!sameScalar(stored, c.value)) return false;
    } else if (c.op === "in") {
      if (!c.values.some((v) => sameScalar(stored, v))) return false;
    } else if (!inRange(stored, c.op, c.value)) return false;
  }
  return true;
}

/**
 * Score of `b` against the query `a`, computed in float64 from the float32 components:
 * cosine similarity (higher is nearer), dot product (higher is nearer), or Euclidean distance
 * (lower is nearer).
 */
export function vectorScore(metric: VectorMetric, a: Float32Array, b: Float32Array): number {
  let dot = 0;
  if (metric === "l2") {
    for (let i = 0; i < a.length; i++) {
      const d = (a[i] as number) - (b[i] as number);
      dot += d * d;
    }
    return Math.sqrt(dot);
  }
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return metric === "dot" ? dot : dot / (Math.sqrt(na) * Math.sqrt(nb));
}

/** Result order: nearest first (score descending for cosine and dot, ascending for l2), then id. */
export function compareHits(
  metric: VectorMetric,
): (a: { id: string; score: number }, b: { id: string; score: number }) => number {
  const sign = metric === "l2" ? 1 : -1;
  return (a, b) =>
    a.score === b.score ? compareUtf8(a.id, b.id) : a.score < b.score ? -sign : sign;
}

/** Exact top-k by brute force: the reference every driver's exact search must equal. */
export function bruteForceTopK<T extends { id: string; vector: Float32Array }>(
  metric: VectorMetric,
  query: Float32Array,
  items: Iterable<T>,
  k: number,
  keep: (item: T) => boolean = () => true,
): Array<T & { score: number }> {
  const cmp = compareHits(metric);
  const top: Array<T & { score: number }> = [];
  for (const item of items) {
    if (!keep(item)) continue;
    const hit = { ...item, score: vectorScore(metric, query, item.vector) };
    if (top.length === k && cmp(hit, top[k - 1] as T & { score: number }) >= 0) continue;
    // Insert in order (k is small: at most MAX_VECTOR_K).
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(top[mid] as T & { score: number }, hit) <= 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, hit);
    if (top.length > k) top.pop();
  }
  return top;
}

/**
 * Re-ranks candidate records a driver fetched (e.g. k + a margin, ordered by its own float32
 * distance) by `vectorScore`: nearest first, at most k, each with `score`, its vector only when
 * `includeVectors`, and every other field of the record kept (e.g. a joined node).
 */
export function rankRecords<R extends { id: string; vector: Float32Array; metadata: string }>(
  metric: VectorMetric,
  search: { readonly vector: Float32Array; readonly k: number; readonly includeVectors: boolean },
  records: readonly R[],
): Array<Omit<R, "vector"> & { score: number; vector?: Float32Array }> {
  return records
    .map((r) => {
      const { vector, ...rest } = r;
      const hit = { ...rest, score: vectorScore(metric, search.vector, vector) };
      return search.includeVectors ? { ...hit, vector } : hit;
    })
    .sort(compareHits(metric))
    .slice(0, search.k);
}

/** Float32 components as little-endian bytes (how export files and SQL blobs carry vectors). */
export function float32ToBytes(vector: Float32Array): Uint8Array {
  const out = new Uint8Array(vector.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] as number, true);
  return out;
}

export function bytesToFloat32(bytes: Uint8Array | ArrayBuffer): Float32Array {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.byteLength % 4 !== 0)
    throw new ValidationError("INVALID_VALUE", "a float32 vector needs a multiple of 4 bytes");
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float32Array(b.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
