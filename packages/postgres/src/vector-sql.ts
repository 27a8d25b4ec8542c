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

/**
 * Every vector of a batch as ONE flat `real[]` literal: row `o` (1-based) is the slice
 * `[(o - 1) * dims + 1 : o * dims]`. One array parsed once, instead of one text per row cast to
 * `real[]` row by row, is what makes a 10k-vector upsert take a fraction of a second.
 */
export function flatLiteral(vectors: readonly Float32Array[]): string {
  return `{${vectors.map((v) => Array.from(v, realText).join(",")).join(",")}}`;
}

/** Row `o`'s vector out of the flat array parameter `flat` (see flatLiteral). */
export function sliceOf(flat: string, o: string, dims: string): string {
  return `(${flat}::real[])[(${o}::int - 1) * ${dims} + 1 : ${o}::int * ${dims}]`;
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
