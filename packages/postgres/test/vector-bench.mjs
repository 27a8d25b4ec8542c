// Vector numbers for the README, by hand (not a test, not run by CI):
//   pnpm -F @stowage/postgres build
//   node packages/postgres/test/vector-bench.mjs postgres://postgres@127.0.0.1:5432/db [n=10000] [dims=384]
// The database needs the pgvector extension (CREATE EXTENSION vector). Works in schema "vbench",
// dropped at the end.
import { loadavg } from "node:os";
import { bruteForceTopK, createStore } from "@stowage/core";
import postgres from "postgres";
import { createPostgresDriver } from "../dist/index.js";

const [url, n = "10000", d = "384"] = process.argv.slice(2);
if (!url) throw new Error("usage: vector-bench.mjs <postgres url> [n] [dims]");
const N = Number(n);
const DIMS = Number(d);
const QUERIES = 50;

function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(42);
const vec = () => Float32Array.from({ length: DIMS }, () => rnd() * 2 - 1);
const items = Array.from({ length: N }, (_, i) => ({
  id: `v${i}`,
  vector: vec(),
  metadata: { i },
}));
const queries = Array.from({ length: QUERIES }, vec);

const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const now = () => process.hrtime.bigint();
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

const admin = postgres(url, { max: 1, onnotice: () => {} });
await admin`DROP SCHEMA IF EXISTS vbench CASCADE`;

const exact = createStore(createPostgresDriver({ url, schema: "vbench", max: 4 }));
const hnsw = createStore(
  createPostgresDriver({ url, schema: "vbench", max: 4, vectorIndex: "hnsw" }),
);
console.log(
  `n=${N} dims=${DIMS} load before: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);

// Upsert: the exact layout, one batch of all, then batches of 1000 (a replace of every row).
const plain = exact.vectors("plain", { dims: DIMS, metric: "cosine" });
await plain.count();
let t = now();
await plain.upsert(items);
console.log(`upsert ${N} in one batch (exact layout): ${ms(t).toFixed(0)} ms`);
t = now();
for (let i = 0; i < N; i += 1000) await plain.upsert(items.slice(i, i + 1000));
console.log(`upsert ${N} again in batches of 1000 (replace): ${ms(t).toFixed(0)} ms`);

// HNSW: the hnsw driver opening the filled collection builds its index table (copy + CREATE
// INDEX); with INSERTS=1, also 1000-vector batches into an existing index (the kit's recall case).
const indexed = hnsw.vectors("plain", { dims: DIMS, metric: "cosine" });
t = now();
await indexed.count();
console.log(`HNSW index table for ${N} existing vectors (copy + build): ${ms(t).toFixed(0)} ms`);
if (process.env.INSERTS === "1") {
  const grown = hnsw.vectors("grown", { dims: DIMS, metric: "cosine" });
  await grown.count();
  t = now();
  for (let i = 0; i < N; i += 1000) await grown.upsert(items.slice(i, i + 1000));
  console.log(`upsert ${N} in batches of 1000 into an HNSW index: ${ms(t).toFixed(0)} ms`);
}

const truth = queries.map((q) => new Set(bruteForceTopK("cosine", q, items, 10).map((h) => h.id)));
async function measure(label, run, count = QUERIES) {
  await run(queries[0]); // warm up
  const times = [];
  let hits = 0;
  for (const [i, q] of queries.slice(0, count).entries()) {
    const start = now();
    const got = await run(q);
    times.push(ms(start));
    hits += got.filter((h) => truth[i].has(h.id)).length;
  }
  console.log(
    `${label}: p50 ${pct(times, 0.5).toFixed(2)} ms, p95 ${pct(times, 0.95).toFixed(2)} ms, recall@10 ${(hits / (count * 10)).toFixed(3)} (${count} queries)`,
  );
}
await measure(
  "query k=10 exact (SQL over real[])",
  (q) => plain.query(q, { k: 10, exact: true }),
  5,
);
await measure("query k=10 HNSW (pgvector, re-ranked)", (q) => indexed.query(q, { k: 10 }));
console.log(
  `load after: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);

await exact.close();
await hnsw.close();
await admin`DROP SCHEMA IF EXISTS vbench CASCADE`;
await admin.end();
