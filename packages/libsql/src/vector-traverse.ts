// traverseFromNearest in one statement: the nearest-nodes query (exact, like `nearestNodes`) as a
// CTE whose first k ids seed the graph's own traversal SQL (traverse.ts, `traverseSql`), so the
// walk has exactly the semantics of `traverse`.
//
// The seeds are the k nearest by libSQL's float32 distance; core ranks by `vectorScore` (float64).
// The statement also returns k + MARGIN candidates, which are re-ranked here: when two distances
// are so close that the two orders pick different k (near-ties only), the walk is run again from
// core's seeds in a second statement, so the result is always exactly `nearest` + `traverse`.

import type { InValue } from "@libsql/client";
import {
  compareEdgeKeys,
  compareUtf8,
  type EdgeRecord,
  type NodeRecord,
  type TraverseQuery,
  type TraverseRecords,
  type VectorCollectionSpec,
  type VectorHit,
  type VectorSearch,
} from "@stowage/core";
import { ensureSorted, int, text } from "./sql.ts";
import { traverseSql } from "./traverse.ts";
import { binder, distanceFn, filterSql, hexToFloat32, vectorBlob } from "./vector-sql.ts";

/** Where `traverseSql` reads its seeds (a JSON array parameter); replaced by the nearest ids. */
const SEEDS_PARAM = "json_each(?2)";

export type NearestHit = VectorHit & { readonly node: NodeRecord };

/** A vector record joined with its node, before scoring. */
export interface NearestCandidate {
  readonly id: string;
  readonly vector: Float32Array;
  readonly metadata: string;
  readonly node: NodeRecord;
}

/**
 * One statement: rows `(kind, a, b, c, d, props)` of `traverseSql` (kinds 0, 1, 2) seeded with the
 * k nearest nodes, plus the candidates: kind 3 (a seed) or 4 (margin only) as
 * `(kind, hex(embedding), id, node type, metadata, node props)`. `undefined` for the dot metric,
 * which libSQL cannot order in SQL.
 */
export function traverseFromNearestSql(
  table: string,
  spec: VectorCollectionSpec,
  graph: string,
  search: VectorSearch,
  type: string | undefined,
  query: TraverseQuery,
  margin: number,
): { sql: string; args: InValue[] } | undefined {
  const fn = distanceFn(spec.metric);
  if (!fn) return undefined;
  const walk = traverseSql(graph, [], query);
  if (walk.sql.split(SEEDS_PARAM).length !== 2) {
    throw new Error(`traverseSql no longer reads its seeds from ${SEEDS_PARAM}`);
  }
  // traverseSql's own parameters are ?1..?5 (?1 = graph); ours follow.
  const args: InValue[] = [...walk.args];
  while (args.length < 5) args.push(null);
  const bind = binder(args);
  const q = bind(vectorBlob(search.vector));
  const typeSql = type === undefined ? "" : ` AND n.type = ${bind(type)}`;
  const where = filterSql(search.filter, "v", bind);
  const limit = bind(search.k + margin);
  const k = bind(search.k);
  const walkSql = walk.sql.replace(
    SEEDS_PARAM,
    "json_each((SELECT json_group_array(id) FROM stowage_seed))",
  );
  const sql = `
WITH
  stowage_near(id, embedding, metadata, type, props, d) AS MATERIALIZED (
    SELECT v.id, v.embedding, v.metadata, n.type, n.props, ${fn}(v.embedding, vector32(${q})) AS d
    FROM ${table} AS v JOIN stowage_nodes AS n ON n.graph = ?1 AND n.id = v.id${typeSql}
    WHERE 1${where}
    ORDER BY d, v.id LIMIT ${limit}
  ),
  stowage_seed(id) AS MATERIALIZED (SELECT id FROM stowage_near ORDER BY d, id LIMIT ${k})
SELECT kind, a, b, c, d, props FROM (${walkSql})
UNION ALL
SELECT CASE WHEN id IN (SELECT id FROM stowage_seed) THEN 3 ELSE 4 END, hex(embedding), id, type, metadata, props
FROM stowage_near`;
  return { sql, args };
}

/** The walk's rows (kinds 0, 1, 2) as `TraverseRecords`, as the graph's `traverse` reads them. */
export function walkOf(rows: readonly unknown[][]): TraverseRecords {
  const nodes: (NodeRecord & { depth: number })[] = [];
  const edges: EdgeRecord[] = [];
  let truncated = false;
  for (const row of rows) {
    const kind = int(row[0]);
    if (kind === 0) truncated = int(row[1]) === 1;
    else if (kind === 1)
      nodes.push({
        id: text(row[2]),
        type: row[3] === null ? null : text(row[3]),
        props: text(row[5] ?? "{}"),
        depth: int(row[1]),
      });
    else if (kind === 2)
      edges.push({ from: text(row[2]), type: text(row[3]), to: text(row[4]), props: text(row[5]) });
  }
  return {
    nodes: ensureSorted(nodes, (a, b) => a.depth - b.depth || compareUtf8(a.id, b.id)),
    edges: ensureSorted(edges, compareEdgeKeys),
    truncated,
  };
}

/** The candidate rows (kinds 3 and 4), and which ids the statement used as seeds. */
export function candidatesOf(rows: readonly unknown[][]): {
  candidates: NearestCandidate[];
  seeded: Set<string>;
} {
  const candidates: NearestCandidate[] = [];
  const seeded = new Set<string>();
  for (const row of rows) {
    const kind = int(row[0]);
    if (kind !== 3 && kind !== 4) continue;
    const id = text(row[2]);
    if (kind === 3) seeded.add(id);
    candidates.push({
      id,
      vector: hexToFloat32(text(row[1])),
      metadata: text(row[4]),
      node: { id, type: row[3] === null ? null : text(row[3]), props: text(row[5]) },
    });
  }
  return { candidates, seeded };
}

/** True when the statement seeded the walk with exactly the ids core ranked nearest. */
export function sameSeeds(seeded: ReadonlySet<string>, ranked: readonly { id: string }[]): boolean {
  return seeded.size === ranked.length && ranked.every((h) => seeded.has(h.id));
}
