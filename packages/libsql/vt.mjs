import { createClient } from "@libsql/client";
const cos=(a,b)=>{let d=0,na=0,nb=0;for(let i=0;i<a.length;i++){d+=a[i]*b[i];na+=a[i]*a[i];nb+=b[i]*b[i]}return d/Math.sqrt(na*nb)};
const bruteForceTopK=(m,q,items,k)=>items.map(r=>({id:r.id,score:cos(q,r.vector)})).sort((a,b)=>b.score-a.score).slice(0,k);
const opts = process.argv[2];
const N = Number(process.argv[3]);
const c = createClient({ url: "file:/tmp/vt4.db" });
await c.execute("drop table if exists t");
await c.execute("create table t (id text unique, e F32_BLOB(384), m text)");
await c.execute(`create index t_idx on t (libsql_vector_idx(e, ${opts}))`);
let s = 1; const rnd = () => { s = (s * 16807) % 2147483647; return s / 2147483647; };
const items = [];
for (let i = 0; i < N; i++) items.push({ id: `v${i}`, vector: Float32Array.from({length:384}, () => rnd()*2-1) });
let t0 = performance.now();
for (let i = 0; i < N; i += 1000) await c.execute({ sql: "insert into t (id, e, m) select value->>0, vector32(value->>1), value->>2 from json_each(?)", args: [JSON.stringify(items.slice(i, i+1000).map(r => [r.id, JSON.stringify(Array.from(r.vector)), "{}"]))] });
console.log(opts, N, "insert ms", performance.now() - t0);
for (const mult of [1, 5, 10, 20]) {
  let hits = 0; t0 = performance.now();
  const Q = 20;
  for (let q = 0; q < Q; q++) {
    const qv = Float32Array.from({length:384}, () => rnd()*2-1);
    const exact = new Set(bruteForceTopK("cosine", qv, items, 10).map(h => h.id));
    const rs = await c.execute({ sql: "select t.id, vector_distance_cos(t.e, vector32(?1)) d from vector_top_k('t_idx', vector32(?1), ?2) k join t on t.rowid = k.id order by d limit 10", args: [new Uint8Array(qv.buffer), 10 * mult] });
    hits += rs.rows.filter(r => exact.has(r.id)).length;
  }
  console.log("mult", mult, "recall", hits / (Q*10), "ms/query", (performance.now() - t0) / Q);
}
