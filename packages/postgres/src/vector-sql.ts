// SQL pieces of the vector part shared by the exact and the pgvector paths: how vectors travel
// as parameters, the exact score in SQL, the portable filter as jsonb tests, and row decoding.

import type { FilterCondition, NodeRecord, VectorRecord } from "@stowage/core";
import type { Row } from "./driver.ts";

/**
 * A float32 component as text PostgreSQL parses back to the same float32: the shortest decimal
 * of its float64 value (exact), "-0" for negative zero (String(-0) is "0").
 */
function realText(x: number): string {
  return x === 0 && Object.is(x, -0) ? "-0" : String(x);
}

/** One vector as a `real[]` literal, sent as a parameter. */
export function vectorLiteral(v: Float32Array): string {
  return `{${Array.from(v, realText).join(",")}}`;
}

/** OID of `real` (float4): the element type in a binary `real[]`. */
const FLOAT4_OID = 700;

/**
 * The batch as a binary `COPY … (id text, norm float8, metadata text, embedding real[]) FROM
 * STDIN (FORMAT binary)` payload. Float32 bits travel as they are: nothing is printed as decimal
 * text or parsed back, which is what a 10k × 384 batch spent most of its time on.
 */
export function copyPayload(records: readonly VectorRecord[]): Uint8Array {
  const utf8 = new TextEncoder();
  const ids = records.map((r) => utf8.encode(r.id));
  const metadata = records.map((r) => utf8.encode(r.metadata));
  const dims = records[0]?.vector.length ?? 0;
  const arrayBytes = 20 + dims * 8; // ndim, has-nulls, element type, length, lower bound; (len, value)…
  let size = 19 + 2;
  records.forEach((_, i) => {
    size += 2 + 4 + (ids[i] as Uint8Array).length + 4 + 8 + 4 + (metadata[i] as Uint8Array).length;
    size += 4 + arrayBytes;
  });
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]); // PGCOPY\n\xff\r\n\0
  let at = 19; // then flags (0) and header extension length (0)
  const bytes = (b: Uint8Array) => {
    view.setInt32(at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  };
  records.forEach((r, i) => {
    view.setInt16(at, 4);
    at += 2;
    bytes(ids[i] as Uint8Array);
    view.setInt32(at, 8);
    view.setFloat64(at + 4, norm(r.vector));
    at += 12;
    bytes(metadata[i] as Uint8Array);
    view.setInt32(at, arrayBytes);
    view.setInt32(at + 4, 1);
    view.setInt32(at + 8, 0);
    view.setInt32(at + 12, FLOAT4_OID);
    view.setInt32(at + 16, dims);
    view.setInt32(at + 20, 1);
    at += 24;
    for (const x of r.vector) {
      view.setInt32(at, 4);
      view.setFloat32(at + 4, x);
      at += 8;
    }
  });
  view.setInt16(at, -1);
  return out;
}

export function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/** A `real[]` from postgres.js (numbers) or its text form `{…}` (a union column). */
export function toVector(value: unknown): Float32Array {
  if (typeof value === "string") {
    const body = value.slice(1, -1);
    return body === "" ? new Float32Array(0) : Float32Array.from(body.split(","), Number);
  }
  return Float32Array.from(value as ArrayLike<number | string>, Number);
}

/** The node columns (type, props) after (id, embedding, metadata). */
export function nodeOf(row: Row): NodeRecord {
  return {
    id: String(row[0]),
    type: row[3] === null ? null : String(row[3]),
    props: String(row[4]),
  };
}

/** (id, embedding, metadata) as a record. */
export function toRecord(row: Row): VectorRecord {
  return { id: String(row[0]), vector: toVector(row[1]), metadata: String(row[2]) };
}

const RANGE_SQL = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

/** The filter as `AND …` fragments over `v.metadata`; every value is a parameter. */
export function filterSql(filter: readonly FilterCondition[], params: unknown[]): string {
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  let sql = "";
  for (const c of filter) {
    const field = `(v.metadata -> ${p(c.field)}::text)`;
    // JSON travels as text (`::text::jsonb`): postgres.js would JSON-encode a jsonb parameter again.
    if (c.op === "eq") sql += ` AND ${field} = ${p(JSON.stringify(c.value))}::text::jsonb`;
    else if (c.op === "in")
      sql += ` AND ${field} IN (SELECT jsonb_array_elements(${p(JSON.stringify(c.values))}::text::jsonb))`;
    else if (typeof c.value === "number") {
      sql += ` AND CASE WHEN jsonb_typeof(${field}) = 'number' THEN ${field}::numeric ${RANGE_SQL[c.op]} ${p(String(c.value))}::numeric ELSE false END`;
    } else {
      sql += ` AND CASE WHEN jsonb_typeof(${field}) = 'string' THEN (${field} #>> '{}') COLLATE "C" ${RANGE_SQL[c.op]} ${p(c.value)}::text ELSE false END`;
    }
  }
  return sql;
}

/**
 * SQL score of `v.embedding` against the query array `q` (norm `n`), per core's definition:
 * float64 sums in component order, as core's `vectorScore` computes them.
 */
export function scoreSql(
  metric: string,
  q: string,
  n: string,
): { sql: string; order: "ASC" | "DESC" } {
  if (metric === "l2") {
    return {
      sql: `sqrt((SELECT sum((a::float8 - b::float8) ^ 2) FROM unnest(v.embedding, ${q}::real[]) AS u(a, b)))`,
      order: "ASC",
    };
  }
  const dot = `(SELECT sum(a::float8 * b::float8) FROM unnest(v.embedding, ${q}::real[]) AS u(a, b))`;
  return { sql: metric === "dot" ? dot : `${dot} / (v.norm * ${n}::float8)`, order: "DESC" };
}
