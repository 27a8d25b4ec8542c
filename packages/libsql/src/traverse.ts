// Native traversal: one statement, one round trip, with exactly core's semantics
// (packages/core/src/traversal.ts): breadth-first levels, each node at its smallest depth,
// ordered by (depth, id), at most maxNodes kept (nodes past the cut are not expanded), edges
// followed from kept nodes above maxDepth whose other end is kept.
//
// A plain recursive CTE over (node, depth) rows would re-expand every node once per depth it can
// be reached at, which explodes on dense or cyclic graphs. Instead the recursive CTE walks whole
// levels: the frontier and the set seen so far travel as JSON arrays, and the next frontier is
// computed set-wise (neighbours of the frontier EXCEPT seen), so every node is expanded once.
// `CROSS JOIN` keeps the frontier as the outer loop: without it (and without ANALYZE statistics)
// the planner may scan every edge of the graph at each step.

import type { InValue } from "@libsql/client";
import type { TraverseQuery } from "@stowage/core";
import { rowsParam } from "./sql.ts";

/** Parameters: ?1 graph, ?2 seeds (json), ?3 maxDepth, ?4 maxNodes, ?5 types (json). */
function neighborsOf(frontier: string, query: TraverseQuery): string {
  const types = query.types ? " AND e.type IN (SELECT value FROM json_each(?5))" : "";
  const out = `SELECT e.dst AS id FROM json_each(${frontier}) AS f CROSS JOIN stowage_edges AS e ON e.graph = ?1 AND e.src = f.value${types}`;
  const inc = `SELECT e.src AS id FROM json_each(${frontier}) AS f CROSS JOIN stowage_edges AS e INDEXED BY stowage_edges_in ON e.graph = ?1 AND e.dst = f.value${types}`;
  if (query.direction === "out") return out;
  if (query.direction === "in") return inc;
  return `${out} UNION ALL ${inc}`;
}

/** Edges between kept nodes, followed from an end above maxDepth in the query's direction. */
function followedEdges(query: TraverseQuery): string {
  const types = query.types ? " AND e.type IN (SELECT value FROM json_each(?5))" : "";
  const from = (near: "src" | "dst", far: "src" | "dst") =>
    `SELECT 2, 0, e.src, e.type, e.dst, e.props FROM found AS k
     CROSS JOIN stowage_edges AS e${near === "dst" ? " INDEXED BY stowage_edges_in" : ""} ON e.graph = ?1 AND e.${near} = k.id${types}
     WHERE k.depth < ?3 AND e.${far} IN (SELECT id FROM found)`;
  if (query.direction === "out") return from("src", "dst");
  if (query.direction === "in") return from("dst", "src");
  return `SELECT * FROM (${from("src", "dst")} UNION ${from("dst", "src")})`;
}

/**
 * Deepest bound the plain walk is tried for: it may expand a node once per depth it is reached
 * at, so its cost is at most (maxDepth + 1) times the level walk's; deeper bounds go straight to
 * `traverseSql` (a 150-node clique at maxDepth 1000 would expand 150 × 1000 rows).
 */
export const PLAIN_MAX_DEPTH = 5;

/** Most (node, depth) rows the plain walk may visit before the level walk takes over. */
export function plainWalkCap(query: TraverseQuery): number {
  return Math.min(100_000, Math.max(1_000, 4 * query.maxNodes));
}

/** One step of the plain walk from `walk AS w` in the query's direction. */
function plainSteps(query: TraverseQuery): string {
  const types = query.types ? " AND e.type IN (SELECT value FROM json_each(?5))" : "";
  const out = `SELECT e.dst, w.depth + 1 FROM walk AS w CROSS JOIN stowage_edges AS e ON e.graph = ?1 AND e.src = w.id WHERE w.depth < ?3${types}`;
  const inc = `SELECT e.src, w.depth + 1 FROM walk AS w CROSS JOIN stowage_edges AS e INDEXED BY stowage_edges_in ON e.graph = ?1 AND e.dst = w.id WHERE w.depth < ?3${types}`;
  if (query.direction === "out") return out;
  if (query.direction === "in") return inc;
  return `${out} UNION ${inc}`;
}

/**
 * The fast path, tried first: a plain recursive walk over distinct (node, depth) pairs, each
 * node kept at its smallest depth. It is exactly core's answer whenever nothing is cut: every
 * node within maxDepth is then kept, and the level order only matters for the cut. So it is used
 * only when at most maxNodes nodes were reached and the walk stayed under `cap` rows (a node
 * reachable at several depths is expanded once per depth: dense, cyclic, deep walks blow up);
 * otherwise row kind 0 says `(0, 1)` and no other rows come, and `traverseSql` decides.
 * Same result rows as `traverseSql`, kind 0 being `(0, fallback)`. Parameters: those of
 * `traverseSql` and ?6 cap.
 */
export function plainTraverseSql(
  graph: string,
  seeds: readonly string[],
  query: TraverseQuery,
): { sql: string; args: InValue[] } {
  const sql = `
WITH RECURSIVE
  walk(id, depth) AS (
    SELECT n.id, 0 FROM json_each(?2) AS s CROSS JOIN stowage_nodes AS n ON n.graph = ?1 AND n.id = s.value
    UNION ${plainSteps(query)}
    LIMIT ?6
  ),
  found(id, depth, visits) AS MATERIALIZED (SELECT id, min(depth), count(*) FROM walk GROUP BY id),
  verdict(fallback) AS MATERIALIZED (
    SELECT coalesce(sum(visits), 0) >= ?6 OR count(*) > ?4 FROM found
  )
SELECT 0 AS kind, fallback AS a, NULL AS b, NULL AS c, NULL AS d, NULL AS props FROM verdict
UNION ALL
SELECT * FROM (
  SELECT 1, k.depth, k.id, n.type, NULL, n.props FROM found AS k LEFT JOIN stowage_nodes AS n ON n.graph = ?1 AND n.id = k.id
  WHERE NOT (SELECT fallback FROM verdict) ORDER BY 2, 3)
UNION ALL
SELECT * FROM (${followedEdges(query)}) WHERE NOT (SELECT fallback FROM verdict)`;
  return {
    sql,
    args: [
      graph,
      rowsParam(seeds),
      query.maxDepth,
      query.maxNodes,
      query.types ? rowsParam(query.types) : null,
      plainWalkCap(query),
    ],
  };
}

/**
 * Result rows `(kind, a, b, c, d, props)`, ordered: kind 0 `(0, truncated)`; kind 1 nodes
 * `(1, depth, id, type, NULL, props)` by (depth, id); kind 2 edges `(2, 0, from, type, to, props)`.
 */
export function traverseSql(
  graph: string,
  seeds: readonly string[],
  query: TraverseQuery,
): { sql: string; args: InValue[] } {
  // lvl rows alternate. Phase 0 is a level: its nodes (json), every node seen so far (json), how
  // many, and whether maxNodes cut something. Phase 1 carries the next level, computed by ONE
  // correlated subquery as text: '0' or '1' (cut) followed by the json array of the next nodes;
  // the next phase-0 row unpacks it. Every expression evaluated per candidate row reads plain
  // columns (no json parsing), so each level costs its own size plus one pass over \`seen\`.
  const fresh = "substr(lvl.tmp, 2)";
  const sql = `
WITH RECURSIVE
  seeds(id) AS (
    SELECT n.id FROM json_each(?2) AS s CROSS JOIN stowage_nodes AS n ON n.graph = ?1 AND n.id = s.value
  ),
  start(nodes) AS (SELECT json_group_array(id) FROM (SELECT id FROM seeds ORDER BY id LIMIT ?4)),
  lvl(depth, phase, nodes, seen, total, trunc, tmp) AS (
    SELECT 0, 0, start.nodes, start.nodes, json_array_length(start.nodes), (SELECT count(*) FROM seeds) > ?4, NULL
    FROM start
    UNION ALL
    SELECT
      lvl.depth + lvl.phase,
      1 - lvl.phase,
      CASE lvl.phase WHEN 0 THEN lvl.nodes ELSE ${fresh} END,
      CASE WHEN lvl.phase = 0 OR ${fresh} = '[]' THEN lvl.seen
           WHEN lvl.seen = '[]' THEN ${fresh}
           ELSE substr(lvl.seen, 1, length(lvl.seen) - 1) || ',' || substr(${fresh}, 2) END,
      CASE lvl.phase WHEN 0 THEN lvl.total ELSE lvl.total + json_array_length(${fresh}) END,
      CASE lvl.phase WHEN 0 THEN lvl.trunc ELSE lvl.trunc OR substr(lvl.tmp, 1, 1) = '1' END,
      CASE lvl.phase WHEN 0 THEN (
        SELECT (count(*) > ?4 - lvl.total) || json_group_array(id) FILTER (WHERE rn <= ?4 - lvl.total)
        FROM (
          SELECT id, row_number() OVER (ORDER BY id) AS rn FROM (
            ${neighborsOf("lvl.nodes", query)}
            EXCEPT SELECT value FROM json_each(lvl.seen)))
      ) END
    FROM lvl
    WHERE lvl.phase = 1 OR (lvl.depth < ?3 AND lvl.nodes <> '[]')
  ),
  reached(id, depth, trunc) AS MATERIALIZED (
    SELECT f.value, lvl.depth, lvl.trunc FROM lvl LEFT JOIN json_each(lvl.nodes) AS f WHERE lvl.phase = 0
  ),
  found(id, depth) AS MATERIALIZED (SELECT id, depth FROM reached WHERE id IS NOT NULL)
SELECT 0 AS kind, max(trunc) AS a, NULL AS b, NULL AS c, NULL AS d, NULL AS props FROM reached
UNION ALL
SELECT 1, k.depth, k.id, n.type, NULL, n.props FROM found AS k LEFT JOIN stowage_nodes AS n ON n.graph = ?1 AND n.id = k.id
UNION ALL
${followedEdges(query)}
ORDER BY 1, 2, 3, 4, 5`;
  return {
    sql,
    args: [
      graph,
      rowsParam(seeds),
      query.maxDepth,
      query.maxNodes,
      query.types ? rowsParam(query.types) : null,
    ],
  };
}
