// Text or jsonb for KV values? The same statements the driver runs, on two tables that differ
// only in the value column's type. Run: node --conditions=@stowage/source bench/values.ts
// (STOWAGE_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test). Makes and drops a
// schema of its own.
import { randomBytes } from "node:crypto";
import { encodeValue } from "@stowage/core";
import postgres from "postgres";

const url = process.env.STOWAGE_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/test";
const schema = `bench_values_${randomBytes(3).toString("hex")}`;
const sql = postgres(url, { max: 1, onnotice: () => {} });
const P = { prepare: true } as const;

function record(i: number, size: "small" | "large") {
  const base = {
    id: i,
    name: `user ${i}`,
    email: `user${i}@example.com`,
    tags: ["a", "b", "c"],
    score: i * 1.5,
    active: i % 2 === 0,
    updatedAt: new Date(1_700_000_000_000 + i),
  };
  return size === "small" ? base : { ...base, history: Array.from({ length: 40 }, (_, j) => ({ at: j, note: `event ${j} of ${i}`, value: j * i })) };
}

async function median(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(n, 20); i++) await fn(i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

await sql.unsafe(`CREATE SCHEMA ${schema}`);
try {
  const results: string[] = [];
  for (const type of ["text", "jsonb"] as const) {
    await sql.unsafe(`CREATE TABLE ${schema}.kv_${type} (
      ns text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, value ${type} NOT NULL,
      version bigint NOT NULL, expires_at bigint, PRIMARY KEY (ns, key))`);
  }
  for (const size of ["small", "large"] as const) {
    const values = Array.from({ length: 1000 }, (_, i) => encodeValue(record(i, size), { maxBytes: 1 << 26 }));
    const keys = values.map((_, i) => `key:${String(i).padStart(5, "0")}`);
    const bytes = Math.round(values.reduce((n, v) => n + v.length, 0) / values.length);
    for (const type of ["text", "jsonb"] as const) {
      const kv = `${schema}.kv_${type}`;
      const cast = type === "jsonb" ? "::jsonb" : "";
      const read = type === "jsonb" ? "value::text" : "value";
      const upsert = `INSERT INTO ${kv} AS t (ns, key, value, version, expires_at)
        SELECT $1, u.key, u.value${cast}, 1, u.expires_at FROM unnest($2::text[], $3::text[], $4::int8[]) AS u(key, value, expires_at)
        ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
          version = CASE WHEN t.expires_at IS NULL OR t.expires_at > $5 THEN t.version + 1 ELSE 1 END
        RETURNING t.key, t.version`;
      const one = `INSERT INTO ${kv} AS t (ns, key, value, version, expires_at)
        SELECT $1, u.key, u.value${cast}, 1, u.expires_at FROM (VALUES ($2::text, $3::text, $4::int8)) AS u(key, value, expires_at)
        ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
          version = CASE WHEN t.expires_at IS NULL OR t.expires_at > $5 THEN t.version + 1 ELSE 1 END
        RETURNING t.key, t.version`;
      const getMany = `SELECT key, ${read}, version, expires_at FROM ${kv} AS k
        WHERE k.ns = $1 AND k.key = ANY($2::text[]) AND (k.expires_at IS NULL OR k.expires_at > $3)`;
      const get = `SELECT key, ${read}, version, expires_at FROM ${kv} AS k
        WHERE k.ns = $1 AND k.key = $2 AND (k.expires_at IS NULL OR k.expires_at > $3)`;
      const nulls = keys.map(() => null);
      const setMany = await median(30, () => sql.unsafe(upsert, ["ns", keys, values, nulls, Date.now()], P).values());
      const set = await median(500, (i) => sql.unsafe(one, ["ns", keys[i % 1000] as string, values[i % 1000] as string, null, Date.now()], P).values());
      const readMany = await median(50, () => sql.unsafe(getMany, ["ns", keys, Date.now()], P).values());
      const readOne = await median(2000, (i) => sql.unsafe(get, ["ns", keys[i % 1000] as string, Date.now()], P).values());
      // Size of the table holding the 1000 values once (no dead rows from the timing loops).
      await sql.unsafe(`TRUNCATE ${kv}`);
      await sql.unsafe(upsert, ["ns", keys, values, nulls, Date.now()], P);
      await sql.unsafe(`VACUUM ${kv}`);
      const [[size1]] = (await sql.unsafe(`SELECT pg_table_size('${kv}')`).values()) as unknown as [[string]];
      const exact = (await sql.unsafe(getMany, ["ns", keys, Date.now()], P).values()).every((r) => values[keys.indexOf(r[0] as string)] === r[1]);
      results.push(
        `${size.padEnd(5)} ~${String(bytes).padStart(4)} B  ${type.padEnd(5)}  setMany 1000 ${setMany.toFixed(2).padStart(6)} ms  set ${(set * 1000).toFixed(0).padStart(4)} µs  getMany 1000 ${readMany.toFixed(2).padStart(6)} ms  get ${(readOne * 1000).toFixed(0).padStart(4)} µs  table ${Math.round(Number(size1) / 1024)} KiB  text back exactly: ${exact}`,
      );
      await sql.unsafe(`TRUNCATE ${kv}`);
    }
  }
  console.log(results.join("\n"));
} finally {
  await sql.unsafe(`DROP SCHEMA ${schema} CASCADE`);
  await sql.end();
}
