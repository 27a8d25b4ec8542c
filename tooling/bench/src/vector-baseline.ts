// The vector bench's baseline and data: deterministic random vectors, a plain Float32Array scan
// (what a skilled engineer writes without a database: one packed array, norms precomputed, a
// small sorted top-k), recall@k, and latency statistics. No timing here (the tests use it).

export type Metric = "cosine" | "l2" | "dot";

/** Deterministic vectors in [-1, 1) (Park-Miller), so every driver and run gets the same data. */
export function randomVectors(count: number, dims: number, seed: number): Float32Array[] {
  let s = seed % 2147483647 || 1;
  const next = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: dims }, () => next() * 2 - 1),
  );
}

/** N vectors packed into one array, with their norms: the layout a brute-force scan wants. */
export class PackedVectors {
  readonly dims: number;
  readonly ids: readonly string[];
  readonly data: Float32Array;
  readonly norms: Float64Array;

  constructor(ids: readonly string[], vectors: readonly Float32Array[]) {
    const dims = vectors[0]?.length ?? 0;
    this.dims = dims;
    this.ids = ids;
    this.data = new Float32Array(vectors.length * dims);
    this.norms = new Float64Array(vectors.length);
    vectors.forEach((v, i) => {
      this.data.set(v, i * dims);
      let n = 0;
      for (let d = 0; d < dims; d++) n += (v[d] as number) * (v[d] as number);
      this.norms[i] = Math.sqrt(n);
    });
  }

  /**
   * The k nearest ids, nearest first (cosine and dot: highest score; l2: lowest distance), ties
   * by id. A linear scan keeping a sorted top-k: O(N·dims + N·k) at worst, O(N·dims) in practice.
   */
  topK(metric: Metric, query: Float32Array, k: number): { id: string; score: number }[] {
    const { dims, data, norms, ids } = this;
    let qn = 0;
    for (let d = 0; d < dims; d++) qn += (query[d] as number) * (query[d] as number);
    qn = Math.sqrt(qn);
    const better =
      metric === "l2" ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
    const topScore: number[] = [];
    const topIdx: number[] = [];
    const count = ids.length;
    for (let i = 0; i < count; i++) {
      const base = i * dims;
      let s = 0;
      if (metric === "l2") {
        for (let d = 0; d < dims; d++) {
          const x = (data[base + d] as number) - (query[d] as number);
          s += x * x;
        }
        s = Math.sqrt(s);
      } else {
        for (let d = 0; d < dims; d++) s += (data[base + d] as number) * (query[d] as number);
        if (metric === "cosine") s = s / ((norms[i] as number) * qn || 1);
      }
      const last = topScore.length - 1;
      if (topScore.length === k && !better(s, topScore[last] as number)) continue;
      let at = topScore.length === k ? last : topScore.length;
      while (at > 0 && better(s, topScore[at - 1] as number)) at--;
      topScore.splice(at, 0, s);
      topIdx.splice(at, 0, i);
      if (topScore.length > k) {
        topScore.pop();
        topIdx.pop();
      }
    }
    return topIdx.map((i, j) => ({ id: ids[i] as string, score: topScore[j] as number }));
  }
}

/** Share of `truth` found in `got` (recall@k with k = truth's size). */
export function recall(got: readonly string[], truth: readonly string[]): number {
  if (truth.length === 0) return 1;
  const want = new Set(truth);
  return got.filter((id) => want.has(id)).length / truth.length;
}

export function latency(ms: readonly number[]): { p50: number; p95: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) =>
    s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95) };
}
