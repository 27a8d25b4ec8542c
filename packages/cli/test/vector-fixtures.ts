// Vector data for the CLI's transfer tests: seeded random float32 bits (subnormals, -0, the
// largest finite value included), ids whose byte order differs from any collation's, and
// metadata with nested values and unsorted keys.

import type { Store } from "@stowage/core";

/** mulberry32: a small seeded generator, so every run moves the same data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float32 from random bits, re-drawn until finite. */
function randomFloat32(next: () => number): number {
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  do {
    bits[0] = Math.floor(next() * 2 ** 32);
  } while (!Number.isFinite(f[0] as number));
  return f[0] as number;
}

/** Ids that sort differently by bytes, by case-insensitive collation and by code points. */
export const ODD_IDS = ["B", "a", "Z", "_under", "é", "e\u0301", "日本", "a b", "😀", "~"];

export interface VectorFixture {
  readonly name: string;
  readonly dims: number;
  readonly metric: "cosine" | "l2" | "dot";
  readonly items: { id: string; vector: Float32Array; metadata: Record<string, unknown> }[];
}

export function fixture(
  name: string,
  dims: number,
  metric: VectorFixture["metric"],
  n: number,
  seed: number,
): VectorFixture {
  const next = random(seed);
  const items: VectorFixture["items"] = [];
  for (let i = 0; i < n; i++) {
    const vector = new Float32Array(dims);
    for (let d = 0; d < dims; d++) vector[d] = randomFloat32(next);
    const id = i < ODD_IDS.length ? (ODD_IDS[i] as string) : `v${String(i).padStart(5, "0")}`;
    items.push({
      id,
      vector,
      metadata: { z: i, a: `ä ${i}`, nested: { list: [i, 0.1, null, true], deep: { k: "v" } } },
    });
  }
  // The edges of float32: -0, the smallest subnormal, the largest finite value.
  if (dims >= 3) {
    const edge = new Float32Array(dims).fill(1);
    edge.set([-0, 1e-45, 3.4028234663852886e38]);
    items.push({ id: "edge-values", vector: edge, metadata: {} });
  }
  return { name, dims, metric, items };
}

/** Writes the fixture's vectors into a store, in batches. */
export async function load(store: Store, f: VectorFixture): Promise<void> {
  const c = store.vectors(f.name, { dims: f.dims, metric: f.metric });
  for (let i = 0; i < f.items.length; i += 500) await c.upsert(f.items.slice(i, i + 500));
}

/** Float32 bits as hex. */
export function bits(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
}

/** The float32 one unit in the last place above x's magnitude. */
export function nextUlp(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] = (u[0] as number) + 1;
  return f[0] as number;
}
