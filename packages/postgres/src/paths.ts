// Native findPaths / shortestPath: one statement with exactly core's semantics
// (core/src/traversal.ts): simple paths of at most maxDepth edges, ordered by length, then by
// their edges' (from, type, to) sequences.
//
// Paths up to SHALLOW_DEPTH edges (the usual case): every simple path from the start, in a
// recursive CTE with a cycle check, where the last hop must land on the target and the hop before
// it on one of the target's predecessors (one index read): the two widest layers of the walk are
// cut to what can still complete. shortestPath is then the first such path.
// Deeper shortestPath searches: a breadth-first walk from the target against the direction gives
// every node's distance TO the target (`back`, one row per level as the native traverse does),
// and the walk from the start only follows nodes that lie on a shortest path.
// Pruning never drops a path that completes, so the result is the same set as core's. More than
// WALK_CAP partial paths: the driver declines and core's own walk decides (its limit, its error).

import type { Direction, EdgeRecord, PathQuery, PathRecord } from "@stowage/core";
import { comparePaths } from "@stowage/core";
import type { Db } from "./driver.ts";

/** Rows of `walk` (partial and complete paths) past which the driver hands over to core. */
export const WALK_CAP = 100_000;

/** Deepest search done by enumeration with last-two-hop pruning; deeper shortestPath goes breadth-first. */
export const SHALLOW_DEPTH = 4;

export function createPathSearch(db: Db) {
  const { t } = db;

  /** Edges leaving `at` in the walk's direction, as (from_id, type, to_id, other). */
  function steps(direction: Direction, at: string, types: string): string {
    const parts: string[] = [];
    if (direction !== "in") {
      parts.push(`SELECT e.from_id, e.type, e.to_id, e.to_id AS other FROM ${t.edges} AS e
        WHERE e.graph = $1 AND e.from_id = ${at}${types}`);
    }
    if (direction !== "out") {
      parts.push(`SELECT e.from_id, e.type, e.to_id, e.from_id AS other FROM ${t.edges} AS e
        WHERE e.graph = $1 AND e.to_id = ${at}${direction === "both" ? " AND e.from_id <> e.to_id" : ""}${types}`);
    }
    return parts.join(" UNION ALL ");
  }

  /** Nodes one step BEFORE any of `frontier` (an array expression) in the walk's direction. */
  function predecessors(direction: Direction, frontier: string, types: string): string {
    const parts: string[] = [];
    if (direction !== "in") {
      parts.push(
        `SELECT e.from_id AS id FROM ${t.edges} AS e WHERE e.graph = $1 AND e.to_id = ANY(${frontier})${types}`,
      );
    }
    if (direction !== "out") {
      parts.push(
        `SELECT e.to_id AS id FROM ${t.edges} AS e WHERE e.graph = $1 AND e.from_id = ANY(${frontier})${types}`,
      );
    }
    return parts.join(" UNION ");
  }

  /** The start's row of `walk`. */
  const start = `SELECT 0, n.id, ARRAY[n.id], ARRAY[]::text[] COLLATE "C"
        FROM ${t.nodes} AS n WHERE n.graph = $1 AND n.id = $2`;

  /**
   * `walk` by enumeration: the last hop must reach the target, the one before it a predecessor
   * of the target (`pred`, one index read).
   */
  function shallowWalk(direction: Direction, types: string): string {
    return `pred AS MATERIALIZED (SELECT DISTINCT c.id FROM (${predecessors(direction, "ARRAY[$3::text]", types)}) AS c),
      walk(depth, tail, nodes, keys) AS (
        ${start}
        UNION ALL
        SELECT w.depth + 1, x.other, w.nodes || x.other, w.keys || ARRAY[x.from_id, x.type, x.to_id]
        FROM walk AS w
        CROSS JOIN LATERAL (${steps(direction, "w.tail", types)}) AS x
        WHERE w.depth < $4 AND w.tail <> $3 AND x.other <> ALL(w.nodes)
          AND (x.other = $3 OR w.depth + 2 < $4 OR (w.depth + 2 = $4 AND x.other IN (SELECT id FROM pred)))
      )`;
  }

  /** `walk` along shortest paths only: `near` holds every node's distance to the target. */
  function deepWalk(direction: Direction, types: string): string {
    return `back(depth, frontier, visited) AS (
        SELECT 0, ARRAY[$3::text COLLATE "C"], ARRAY[$3::text COLLATE "C"]
        UNION ALL
        SELECT b.depth + 1, x.ids, b.visited || x.ids
        FROM back AS b
        CROSS JOIN LATERAL (SELECT ARRAY(SELECT c.id FROM (${predecessors(direction, "b.frontier", types)}
          EXCEPT SELECT unnest(b.visited)) AS c) AS ids OFFSET 0) AS x
        WHERE b.depth < $4 AND NOT $2 = ANY(b.frontier) AND cardinality(b.frontier) > 0
      ),
      near AS (SELECT k.id, b.depth FROM back AS b, unnest(b.frontier) AS k(id)),
      walk(depth, tail, nodes, keys) AS (
        ${start}
        UNION ALL
        SELECT w.depth + 1, x.other, w.nodes || x.other, w.keys || ARRAY[x.from_id, x.type, x.to_id]
        FROM walk AS w
        CROSS JOIN LATERAL (${steps(direction, "w.tail", types)}) AS x
        JOIN near AS r ON r.id = x.other
        WHERE w.depth < $4 AND w.tail <> $3 AND x.other <> ALL(w.nodes)
          AND r.depth = (SELECT n.depth FROM near AS n WHERE n.id = $2) - w.depth - 1
      )`;
  }

  return async function findPaths(
    graph: string,
    from: string,
    to: string,
    query: PathQuery,
  ): Promise<PathRecord[] | undefined> {
    const params: unknown[] = [graph, from, to, query.maxDepth, query.maxPaths, WALK_CAP];
    let types = "";
    if (query.types !== undefined) {
      params.push(query.types);
      types = ` AND e.type = ANY($${params.length}::text[])`;
    }
    const { direction, shortest } = query;
    const walk =
      shortest && query.maxDepth > SHALLOW_DEPTH
        ? deepWalk(direction, types)
        : shallowWalk(direction, types);
    const text = `WITH RECURSIVE ${walk},
      capped AS (SELECT * FROM walk LIMIT $6),
      found AS (
        SELECT c.depth, c.nodes, c.keys FROM capped AS c WHERE c.tail = $3
        ORDER BY c.depth, c.keys COLLATE "C" LIMIT $5
      )
      SELECT 0, f.nodes, f.keys, NULL FROM found AS f
      UNION ALL
      SELECT 1, NULL, ARRAY[e.from_id, e.type, e.to_id], e.props::text
      FROM (SELECT DISTINCT f.keys[3 * i - 2] AS a, f.keys[3 * i - 1] AS b, f.keys[3 * i] AS c
            FROM found AS f, generate_series(1, f.depth) AS i) AS k
      JOIN ${t.edges} AS e ON e.graph = $1 AND e.from_id = k.a AND e.type = k.b AND e.to_id = k.c
      UNION ALL
      SELECT 2, NULL, NULL, count(*)::text FROM capped`;
    const rows = await db.query(shortest ? "find a shortest path" : "find paths", text, params);
    const paths: { nodes: string[]; keys: string[] }[] = [];
    const edges = new Map<string, EdgeRecord>();
    for (const [kind, nodes, keys, extra] of rows) {
      if (kind === 0) paths.push({ nodes: nodes as string[], keys: keys as string[] });
      else if (kind === 1) {
        const [f, ty, tt] = keys as string[];
        edges.set(`${f}\u0000${ty}\u0000${tt}`, {
          from: String(f),
          type: String(ty),
          to: String(tt),
          props: String(extra),
        });
      } else if (Number(extra) >= WALK_CAP) return undefined;
    }
    // Ordered again here: `found` is ordered, but a UNION ALL does not promise to keep it.
    return paths
      .map((p) => ({
        nodes: p.nodes,
        edges: Array.from({ length: p.nodes.length - 1 }, (_, i) => {
          const key = `${p.keys[3 * i]}\u0000${p.keys[3 * i + 1]}\u0000${p.keys[3 * i + 2]}`;
          return edges.get(key) as EdgeRecord;
        }),
      }))
      .sort(comparePaths);
  };
}
