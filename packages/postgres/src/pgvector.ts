// The opt-in approximate path (driver option `vectorIndex: "hnsw"`) over the pgvector extension.
// Each collection gets a companion table of its own, `vector_hnsw_<hash of its name>`, holding a
// `vector(dims)` copy of every vector with an HNSW index for the collection's metric; the
// `vectors` table stays the record (get, list, exact search, filters). A query takes the nearest
// rows from the index, then the driver re-ranks them exactly (core's `rankRecords`).

import { createHash } from "node:crypto";
import { UnsupportedError, type VectorMetric } from "@stowage/core";
import type { Row } from "./driver.ts";

/** HNSW build parameters: pgvector's default m, a larger ef_construction for a better graph. */
export const HNSW_M = 16;
export const HNSW_EF_CONSTRUCTION = 128;
/** Most dimensions pgvector's HNSW index takes for `vector`; larger collections stay exact. */
export const HNSW_MAX_DIMS = 2000;
/**
 * `hnsw.ef_search` of every query: pgvector's maximum (its default is 40). The index returns at
 * most ef_search rows, and a longer search list finds more of the true nearest. Measured here on
 * 10k × 384 uniformly random vectors (the kit's recall case, the hardest kind of data for a
 * graph index): recall@10 0.29 at 40, 0.55 at 100, 0.935–0.96 at 400, 1.0 at 1000.
 */
export const EF_SEARCH = 1000;

/** Operator class and distance operator per metric (every distance ascends: `<#>` is -dot). */
const METRIC_OPS: Readonly<Record<VectorMetric, readonly [opclass: string, operator: string]>> = {
  cosine: ["vector_cosine_ops", "<=>"],
  l2: ["vector_l2_ops", "<->"],
  dot: ["vector_ip_ops", "<#>"],
};

export function opsOf(metric: VectorMetric): readonly [opclass: string, operator: string] {
  return METRIC_OPS[metric];
}

/** The companion table's name: generated (hex of a hash), never the user's string. */
export function hnswTableName(collection: string): string {
  return `vector_hnsw_${createHash("sha256").update(collection).digest("hex").slice(0, 24)}`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The statement finding pgvector: its schema and version, or no row. */
export const FIND_PGVECTOR = `SELECT n.nspname, e.extversion FROM pg_extension AS e
  JOIN pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`;

/** The quoted schema of pgvector's types and operators, or an UnsupportedError saying what to do. */
export function pgvectorSchema(rows: readonly Row[]): string {
  const row = rows[0];
  if (!row) {
    throw new UnsupportedError(
      'the postgres driver\'s option vectorIndex: "hnsw" needs the pgvector extension, and this ' +
        "database does not have it: install pgvector on the server and run CREATE EXTENSION vector " +
        "in the database (or leave vectorIndex unset for exact search without extensions)",
    );
  }
  const [major = 0, minor = 0] = String(row[1]).split(".").map(Number);
  if (major === 0 && minor < 5) {
    throw new UnsupportedError(
      `the postgres driver's option vectorIndex: "hnsw" needs pgvector 0.5 or later (HNSW indexes); this database has ${String(row[1])}`,
    );
  }
  return quoteIdent(String(row[0]));
}
