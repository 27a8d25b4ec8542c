// SQL fragments of the vector part: table names, distances, the portable filter language, and the
// candidate queries (exact, and approximate through a `libsql_vector_idx` index). Every statement
// here uses numbered parameters (`?N`), so fragments compose into one statement in any order.

import type { InValue } from "@libsql/client";
import type { FilterCondition, FilterScalar, VectorMetric } from "@stowage/core";

/** Pushes a value into a statement's arguments and returns its placeholder (`?N`). */
export type Bind = (value: InValue) => string;

export function binder(args: InValue[]): Bind {
  return (value) => {
    args.push(value);
    return `?${args.length}`;
  };
}

/** Table (and index: `<table>_idx`) of a collection; from the registry's integer id only. */
export function vectorTable(id: number): string {
  return `stowage_vec_${Math.trunc(id)}`;
}

/** libSQL's distance function for the metric (smaller is nearer); none for dot. */
export function distanceFn(metric: VectorMetric): string | undefined {
  return metric === "cosine"
    ? "vector_distance_cos"
    : metric === "l2"
      ? "vector_distance_l2"
      : undefined;
}

/** A query vector as the float32 blob `vector32(?)` reads. */
export function vectorBlob(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
}

/** Float32 bytes as hex: exact to the bit (-0 included), unlike decimal text. */
export function vectorHex(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
}

export function hexToFloat32(hex: string): Float32Array {
  const bytes = Buffer.from(hex, "hex");
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** SQL for one scalar test on `j` (a json_each row), type-strict like core's `matchesFilter`. */
function scalarSql(value: FilterScalar, bind: Bind): string {
  if (value === null) return "j.type = 'null'";
  if (value === true) return "j.type = 'true'";
  if (value === false) return "j.type = 'false'";
  return typeof value === "number"
    ? `(j.type IN ('integer', 'real') AND j.value = ${bind(value)})`
    : `(j.type = 'text' AND j.value = ${bind(value)})`;
}

const RANGE_SQL = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

/** The filter as `AND EXISTS (…)` fragments over `<alias>.metadata`; values as parameters. */
export function filterSql(filter: readonly FilterCondition[], alias: string, bind: Bind): string {
  let sql = "";
  for (const c of filter) {
    const field = bind(c.field);
    let pred: string;
    if (c.op === "eq") pred = scalarSql(c.value, bind);
    else if (c.op === "in") pred = c.values.map((v) => scalarSql(v, bind)).join(" OR ");
    else {
      const type =
        typeof c.value === "number" ? "j.type IN ('integer', 'real')" : "j.type = 'text'";
      pred = `${type} AND j.value ${RANGE_SQL[c.op]} ${bind(c.value)}`;
    }
    sql += ` AND EXISTS (SELECT 1 FROM json_each(${alias}.metadata) AS j WHERE j.key = ${field} AND (${pred}))`;
  }
  return sql;
}
