// The approximate path (option `vectorIndex`): `vector_top_k` over the collection's
// `libsql_vector_idx` (DiskANN), re-ranked in the same statement by the exact distance against
// the stored F32_BLOB. Below EXACT_BELOW vectors the same statement scans the table exactly
// instead (the size test is a constant subquery, evaluated once). Filtered queries are always
// exact: a filter could drop most candidates, and the result must be exactly the filter's top k.
//
// Asking `vector_top_k` for more than k does not raise recall: libSQL's search keeps a beam of
// `search_l` candidates and returns the nearest of the nodes it visited by their exact distance,
// so the first k of any larger answer are the same k. Recall comes from the index settings
// (INDEX_SETTINGS: `search_l`, `max_neighbors`, ...), fixed when the index is created.

import type { VectorMetric, VectorSearch } from "@stowage/core";
import { type Bind, distanceFn, vectorBlob } from "./vector-sql.ts";

/** Below this many vectors a query is exact even without `exact: true`. */
export const EXACT_BELOW = 1000;
/**
 * Options of `libsql_vector_idx` after the metric, fixed when the index is created. Measured on
 * 10k x 384 random vectors (README, "Vectors"): float8 neighbours, 32 of them and insert_l 40
 * keep inserts at ~30 ms a row (the defaults: ~300 ms); search_l 800 reaches recall@10 0.99
 * (search_l 400: 0.93).
 */
export const INDEX_SETTINGS =
  ", 'compress_neighbors=float8', 'max_neighbors=32', 'insert_l=40', 'search_l=800'";

/** Whether a query may use the index: not exact, unfiltered, and a metric the index knows. */
export function useIndex(metric: VectorMetric, search: VectorSearch): boolean {
  return !search.exact && search.filter.length === 0 && metric !== "dot";
}

/** Rows (id, embedding, metadata): the k + margin nearest candidates, by SQL distance then id. */
export function approximateSql(
  table: string,
  metric: VectorMetric,
  search: VectorSearch,
  margin: number,
  bind: Bind,
): string {
  const fn = distanceFn(metric) as string;
  const q = bind(vectorBlob(search.vector));
  const limit = bind(search.k + margin);
  const small = `(SELECT count(*) FROM (SELECT 1 FROM ${table} LIMIT ${EXACT_BELOW})) < ${EXACT_BELOW}`;
  return `SELECT id, embedding, metadata FROM (
    SELECT v.id, v.embedding, v.metadata, ${fn}(v.embedding, vector32(${q})) AS d
    FROM vector_top_k('${table}_idx', vector32(${q}), ${limit}) AS t JOIN ${table} AS v ON v.rowid = t.id
    WHERE NOT ${small}
    UNION ALL
    SELECT v.id, v.embedding, v.metadata, ${fn}(v.embedding, vector32(${q})) AS d
    FROM ${table} AS v WHERE ${small}
  ) ORDER BY d, id LIMIT ${limit}`;
}
