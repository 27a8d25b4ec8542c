// Native traversal: one statement, one round trip, with exactly core's semantics
// (packages/core/src/traversal.ts): breadth-first levels, each node at its smallest depth,
// ordered by (depth, id), at most maxNodes kept (nodes past the cut are not expanded), edges
// followed from kept nodes above maxDepth whose other end is kept.
//
// A plain recursive CTE over (node, depth) rows would re-expand every node once per depth it can
// be reached at, which explodes on dense or cyclic graphs. Instead each row of the recursive CTE
// is a whole level: the frontier and the set seen so far, as JSON arrays. The next frontier is
// computed set-wise (neighbours of the frontier EXCEPT seen), so every node is expanded once.
// `CROSS JOIN` keeps the frontier as the outer loop: without it (and without ANALYZE statistics)
// the planner may scan every edge of the graph at each step.

import type { InStatement } from "@libsql/client";
import type { TraverseQuery } from "@stowage/core";
import { rowsParam, stmt } from "./sql.ts";

/** Parameters: ?1 graph, ?2 seeds (json), ?3 maxDepth, ?4 maxNodes, ?5 types (json). */
function neighborsOf(frontier: string, query: TraverseQuery): string {
  const types = query.types ? " AND e.type IN (SELECT value FROM json_each(?5))" : "";
  const out = `SELECT e.dst FROM json_each(${frontier}) AS f CROSS JOIN stowage_edges AS e ON e.graph = ?1 AND e.src = f.value${types}`;
  const inc = `SELECT e.src FROM json_each(${frontier}) AS f CROSS JOIN stowage_edges AS e ON e.graph = ?1 AND e.dst = f.value${types}`;
  if (query.direction === "out") return out;
  if (query.direction === "in") return inc;
  return `${out} UNION ALL ${inc}`;
}

/** Edges between kept nodes, followed from an end above maxDepth in the query's direction. */
function followedEdges(query: TraverseQuery): string {
  const types = query.types ? " AND e.type IN (SELECT value FROM json_each(?5))" : "";
  const from = (near: "src" | "dst", far: "src" | "dst") =>
    `SELECT 2, 0, e.src, e.type, e.dst, e.props FROM found AS k
     CROSS JOIN stowage_edges AS e ON e.graph = ?1 AND e.${near} = k.id${types}
     WHERE k.depth < ?3 AND e.${far} IN (SELECT id FROM found)`;
  if (query.direction === "out") return from("src", "dst");
  if (query.direction === "in") return from("dst", "src");
  return `SELECT * FROM (${from("src", "dst")} UNION ${from("dst", "src")})`;
}

/**
 * Result rows `(kind, a, b, c, d, props)`, ordered: kind 0 `(0, truncated)`; kind 1 nodes
 * `(1, depth, id, type, NULL, props)` by (depth, id); kind 2 edges `(2, 0, from, type, to, props)`.
 */
export function traverseSql(graph: string, seeds: readonly string[], query: TraverseQuery): InStatement {
  const room = "max(0, ?4 - json_array_length(lvl.state -> 'seen'))";
  const sql = `
WITH RECURSIVE
  seeds(id) AS (
    SELECT n.id FROM json_each(?2) AS s CROSS JOIN stowage_nodes AS n ON n.graph = ?1 AND n.id = s.value
  ),
  start(nodes) AS (SELECT json_group_array(id) FROM (SELECT id FROM seeds ORDER BY id LIMIT ?4)),
  lvl(depth, state) AS (
    SELECT 0, json_object('nodes', json(start.nodes), 'seen', json(start.nodes), 'trunc', (SELECT count(*) FROM seeds) > ?4)
    FROM start
    UNION ALL
    SELECT lvl.depth + 1, (
      WITH cand(id) AS MATERIALIZED (
        ${neighborsOf("lvl.state -> 'nodes'", query)}
        EXCEPT SELECT value FROM json_each(lvl.state -> 'seen')
      ),
      -- LIMIT cannot read the outer row, so the cut at maxNodes is a row number.
      next(id) AS MATERIALIZED (
        SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM cand) WHERE rn <= ${room}
      )
      SELECT json_object(
        'nodes', json((SELECT json_group_array(id) FROM next)),
        'seen', json((SELECT json_group_array(v) FROM (SELECT value AS v FROM json_each(lvl.state -> 'seen') UNION ALL SELECT id FROM next))),
        'trunc', (lvl.state ->> 'trunc') OR (SELECT count(*) FROM cand) > ${room})
    )
    FROM lvl
    WHERE lvl.depth < ?3 AND json_array_length(lvl.state -> 'nodes') > 0
  ),
  reached(id, depth, trunc) AS MATERIALIZED (
    SELECT f.value, lvl.depth, lvl.state ->> 'trunc' FROM lvl LEFT JOIN json_each(lvl.state -> 'nodes') AS f
  ),
  found(id, depth) AS MATERIALIZED (SELECT id, depth FROM reached WHERE id IS NOT NULL)
SELECT 0, max(trunc), NULL, NULL, NULL, NULL FROM reached
UNION ALL
SELECT 1, k.depth, k.id, n.type, NULL, n.props FROM found AS k LEFT JOIN stowage_nodes AS n ON n.graph = ?1 AND n.id = k.id
UNION ALL
${followedEdges(query)}
ORDER BY 1, 2, 3, 4, 5`;
  return stmt(sql, [graph, rowsParam(seeds), query.maxDepth, query.maxNodes, query.types ? rowsParam(query.types) : null]);
}
