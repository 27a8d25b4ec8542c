// Native findPaths / shortestPath: one statement with exactly core's semantics
// (core/src/traversal.ts): simple paths of at most maxDepth edges, ordered by length, then by
// their edges' (from, type, to) sequences.
//
// `walk` holds the paths from the start. Up to SHALLOW_DEPTH edges (and always for findPaths):
// every simple path, where the last hop must land on the target and the hop before it on one of
// the target's predecessors (`near` = the target and its predecessors, one index read). Deeper
// shortestPath searches: `near` holds every node's distance TO the target (a walk from the target
// against the direction; (node, depth) pairs deduplicated by UNION), and the walk follows only
// nodes on a shortest path. Pruning never drops a path that completes, so the result is the same
// set as core's. Paths carry their nodes and edges as JSON arrays and a sort key: each edge as
// hex(from).hex(type).hex(to). (hex keeps UTF-8 byte order; '.' sorts below every hex digit, so
// a shorter component sorts first, as in core.) Then the first maxPaths complete paths, and the
// props of their edges.
// More than WALK_CAP rows in `walk`: the driver declines and core's own walk decides.

import type { InValue } from "@libsql/client";
import type { Direction, PathQuery } from "@stowage/core";
import { rowsParam } from "./sql.ts";

export const WALK_CAP = 100_000;

/** Deepest search done by enumeration with last-two-hop pruning; deeper shortestPath goes by distance. */
export const SHALLOW_DEPTH = 4;

const TYPES = " AND e.type IN (SELECT value FROM json_each(?7))";

/** Parameters: ?1 graph, ?2 from, ?3 to, ?4 maxDepth, ?5 maxPaths, ?6 cap, ?7 types (json). */
function backSteps(direction: Direction, types: string, bound: string): string {
  const parts: string[] = [];
  if (direction !== "in") {
    parts.push(`SELECT e.src, b.depth + 1 FROM back AS b
      CROSS JOIN stowage_edges AS e INDEXED BY stowage_edges_in ON e.graph = ?1 AND e.dst = b.id
      WHERE ${bound}${types}`);
  }
  if (direction !== "out") {
    parts.push(`SELECT e.dst, b.depth + 1 FROM back AS b
      CROSS JOIN stowage_edges AS e ON e.graph = ?1 AND e.src = b.id
      WHERE ${bound}${types}`);
  }
  return parts.join(" UNION ");
}

function walkSteps(direction: Direction, types: string, prune: string): string {
  const step = (
    near: "src" | "dst",
    far: "src" | "dst",
    extra: string,
  ) => `SELECT w.depth + 1, e.${far},
      json_insert(w.nodes, '$[#]', e.${far}),
      json_insert(w.edges, '$[#]', json_array(e.src, e.type, e.dst)),
      w.sortkey || hex(e.src) || '.' || hex(e.type) || '.' || hex(e.dst) || '.'
    FROM walk AS w
    CROSS JOIN stowage_edges AS e${near === "dst" ? " INDEXED BY stowage_edges_in" : ""} ON e.graph = ?1 AND e.${near} = w.tail
    LEFT JOIN near AS r ON r.id = e.${far}
    WHERE w.depth < ?4 AND w.tail <> ?3 AND ${prune}${extra}${types}
      AND NOT EXISTS (SELECT 1 FROM json_each(w.nodes) AS v WHERE v.value = e.${far})`;
  const parts: string[] = [];
  if (direction !== "in") parts.push(step("src", "dst", ""));
  if (direction !== "out")
    parts.push(step("dst", "src", direction === "both" ? " AND e.src <> e.dst" : ""));
  return parts.join(" UNION ALL ");
}

/**
 * Rows `(kind, a, b, c, d)`: kind 0 a path `(0, nodes json, edges json)`; kind 1 an edge of
 * those paths `(1, from, type, to, props)`; kind 2 `(2, rows walked)`.
 */
export function pathsSql(
  graph: string,
  from: string,
  to: string,
  query: PathQuery,
): { sql: string; args: InValue[] } {
  const types = query.types ? TYPES : "";
  const deep = query.shortest && query.maxDepth > SHALLOW_DEPTH;
  // deep: on a shortest path. Else: the last hop lands on the target (depth 0 in `near`), the one
  // before on a predecessor (depth 1); earlier hops anywhere (LEFT JOIN: r.depth may be NULL).
  const prune = deep
    ? "r.depth = (SELECT n.depth FROM near AS n WHERE n.id = ?2) - w.depth - 1"
    : "(w.depth + 2 < ?4 OR r.depth <= ?4 - w.depth - 1)";
  const backSql = deep
    ? `SELECT ?3, 0 UNION ${backSteps(query.direction, types, "b.depth < ?4")}`
    : `SELECT ?3, 0 UNION ${backSteps(query.direction, types, "b.depth < 1")}`;
  const sql = `
WITH RECURSIVE
  back(id, depth) AS (${backSql}),
  near(id, depth) AS MATERIALIZED (SELECT id, min(depth) FROM back GROUP BY id),
  walk(depth, tail, nodes, edges, sortkey) AS (
    SELECT 0, n.id, json_array(n.id), '[]', '' FROM stowage_nodes AS n WHERE n.graph = ?1 AND n.id = ?2
    UNION ALL ${walkSteps(query.direction, types, prune)}
    LIMIT ?6
  ),
  walked AS MATERIALIZED (SELECT * FROM walk),
  found AS MATERIALIZED (
    SELECT depth, nodes, edges FROM walked WHERE tail = ?3 ORDER BY depth, sortkey LIMIT ?5
  )
SELECT 0 AS kind, nodes AS a, edges AS b, NULL AS c, NULL AS d FROM found
UNION ALL
SELECT 1, e.src, e.type, e.dst, e.props
FROM (SELECT DISTINCT x.value ->> 0 AS s, x.value ->> 1 AS t, x.value ->> 2 AS d FROM found AS f, json_each(f.edges) AS x) AS k
CROSS JOIN stowage_edges AS e ON e.graph = ?1 AND e.src = k.s AND e.type = k.t AND e.dst = k.d
UNION ALL
SELECT 2, count(*), NULL, NULL, NULL FROM walked`;
  return {
    sql,
    args: [
      graph,
      from,
      to,
      query.maxDepth,
      query.maxPaths,
      WALK_CAP,
      query.types ? rowsParam(query.types) : null,
    ],
  };
}
