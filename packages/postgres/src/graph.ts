// The graph part: nodes and edges tables with jsonb props (merge is jsonb `||`), batches as one
// statement over unnest(), neighbours of many ids in both directions in one query, and a native
// traversal as one recursive query with exactly core's semantics (core/src/traversal.ts).

import type {
  Direction,
  EdgeKey,
  EdgeListQuery,
  EdgeRecord,
  EdgeWrite,
  GraphDriver,
  NeighborQuery,
  NodeListQuery,
  NodeRecord,
  NodeWrite,
  TraverseQuery,
  TraverseRecords,
  UpsertMode,
} from "@stowage/core";
import { compareEdgeKeys, compareUtf8 } from "@stowage/core";
import type { Db } from "./driver.ts";
import { rowsOf } from "./driver.ts";
import { graphLock } from "./graph-lock.ts";
import { createPathSearch } from "./paths.ts";

function byId<T extends { id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareUtf8(a.id, b.id));
}

/** Native string comparison: slower UTF-8 order is not needed where only one fixed order is. */
function lt(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The order edge writes lock rows in, the same in every process, so concurrent batches do not
 * deadlock. Not byte order (compareEdgeKeys): native comparisons sort 10,000 edges in a third of
 * the time (20-70 ms of a 10k-edge load under load, now 7-23 ms).
 */
function lockOrder(a: EdgeKey, b: EdgeKey): number {
  return lt(a.from, b.from) || lt(a.type, b.type) || lt(a.to, b.to);
}

function edgeId(k: EdgeKey): string {
  return `${k.from}\u0000${k.type}\u0000${k.to}`;
}

function toNode(id: unknown, type: unknown, props: unknown): NodeRecord {
  return { id: String(id), type: type === null ? null : String(type), props: String(props) };
}

function toEdge(from: unknown, type: unknown, to: unknown, props: unknown): EdgeRecord {
  return { from: String(from), type: String(type), to: String(to), props: String(props) };
}

/** `AND e.type = ANY($n)` for an edge type filter (its parameter added once), or nothing. */
function typeFilter(types: readonly string[] | undefined, params: unknown[]): string {
  if (types === undefined) return "";
  params.push(types);
  return ` AND e.type = ANY($${params.length}::text[])`;
}

/** Rows (i, dir, from, type, to, …) in `neighbors` order: by i, dir, type, then the other end. */
function compareNeighborRows(a: unknown[], b: unknown[]): number {
  return (
    Number(a[0]) - Number(b[0]) ||
    Number(a[1]) - Number(b[1]) ||
    compareUtf8(String(a[3]), String(b[3])) ||
    compareUtf8(String(a[1] === 0 ? a[4] : a[2]), String(b[1] === 0 ? b[4] : b[2]))
  );
}

function neighborOrder(rows: unknown[][]): boolean {
  for (let i = 1; i < rows.length; i++) {
    if (compareNeighborRows(rows[i - 1] as unknown[], rows[i] as unknown[]) > 0) return false;
  }
  return true;
}

export function createGraphDriver(db: Db): GraphDriver & { traversalSql: TraversalSql } {
  const { t } = db;

  /**
   * Incident edges of the ids of `ids` (a row source `q(id, i)`) as rows (i, from, type, to, props),
   * ordered per id as `neighbors` lists them: out-edges then in-edges, each by (type, other end);
   * a self-loop only as out-edge under "both". Optional per-id limit.
   */
  function neighborQuery(ids: string, q: NeighborQuery, params: unknown[]): string {
    const types = typeFilter(q.types, params);
    let limit = "";
    if (q.limit !== undefined) {
      params.push(q.limit);
      limit = ` LIMIT $${params.length}`;
    }
    // Each branch reads its edges in its index's order (primary key for out-edges, edges_incoming
    // for in-edges), so a limit costs `limit` index entries, not a hub's whole adjacency, and no
    // sort of the whole result is needed: rows come per id, out then in, already ordered.
    // `neighbors` checks that order and sorts only if the plan did not keep it.
    const branch = (dir: number, near: string, other: string, extra: string) =>
      `(SELECT ${dir} AS dir, e.from_id, e.type, e.to_id, e.props, e.${other} AS other FROM ${t.edges} AS e
        WHERE e.graph = $1 AND e.${near} = q.id${extra}${types} ORDER BY e.type, e.${other}${limit})`;
    const branches: string[] = [];
    if (q.direction !== "in") branches.push(branch(0, "from_id", "to_id", ""));
    if (q.direction !== "out") {
      branches.push(
        branch(1, "to_id", "from_id", q.direction === "both" ? " AND e.from_id <> e.to_id" : ""),
      );
    }
    const inner =
      limit && branches.length > 1
        ? `SELECT * FROM (${branches.join(" UNION ALL ")}) AS b ORDER BY b.dir, b.type, b.other${limit}`
        : branches.join(" UNION ALL ");
    return `SELECT q.i, x.dir, x.from_id, x.type, x.to_id, x.props::text
      FROM ${ids}
      CROSS JOIN LATERAL (${inner}) AS x`;
  }

  /** Edges of the traversal: both ends kept, followed from a kept end of depth < maxDepth. */
  function traversedEdges(direction: Direction, types: string): string {
    const columns = `'e', NULL::int, e.from_id, e.type, e.to_id, e.props::text`;
    const out = `SELECT ${columns} FROM ${t.edges} AS e JOIN kept AS b ON b.id = e.to_id
      WHERE e.graph = $1 AND e.from_id = ANY(ARRAY(SELECT id FROM kept WHERE depth < $4))${types}`;
    const into = (
      onlyFromDeepest: boolean,
    ) => `SELECT ${columns} FROM ${t.edges} AS e JOIN kept AS a ON a.id = e.from_id
      WHERE e.graph = $1 AND e.to_id = ANY(ARRAY(SELECT id FROM kept WHERE depth < $4))${types}
      ${onlyFromDeepest ? "AND a.depth >= $4" : ""}`;
    if (direction === "out") return out;
    if (direction === "in") return into(false);
    // An edge followable from both ends is taken once: from its `from` end when that is shallow enough.
    return `${out} UNION ALL ${into(true)}`;
  }

  /** Next BFS level: distinct unvisited neighbours of `b.frontier`, sorted by id. */
  function nextLevel(direction: Direction, types: string): string {
    const parts: string[] = [];
    if (direction !== "in") {
      parts.push(`SELECT e.to_id AS id FROM ${t.edges} AS e
        WHERE e.graph = $1 AND e.from_id = ANY(b.frontier)${types}`);
    }
    if (direction !== "out") {
      parts.push(`SELECT e.from_id AS id FROM ${t.edges} AS e
        WHERE e.graph = $1 AND e.to_id = ANY(b.frontier)${types}`);
    }
    return `ARRAY(SELECT c.id FROM (${parts.join(" UNION ")} EXCEPT SELECT unnest(b.visited)) AS c ORDER BY c.id COLLATE "C")`;
  }

  return {
    findPaths: createPathSearch(db),

    async upsertNodes(graph, nodes: readonly NodeWrite[], mode: UpsertMode) {
      const sorted = byId(nodes);
      const params: unknown[] = [graph];
      const source = (items: NodeWrite[], withType: boolean) =>
        rowsOf(params, "u", [
          ["id", "text", items.map((n) => n.id)],
          ["props", "text", items.map((n) => n.props)],
          ...(withType ? [["type", "text", items.map((n) => n.type ?? null)] as const] : []),
        ]);
      if (mode === "replace") {
        await db.execute(
          "upsert nodes",
          `INSERT INTO ${t.nodes} AS n (graph, id, type, props)
           SELECT $1, u.id, u.type, u.props::jsonb FROM ${source(sorted, true)}
           ON CONFLICT (graph, id) DO UPDATE SET type = excluded.type, props = excluded.props`,
          params,
        );
        return;
      }
      // Merge: an omitted type keeps the stored one, so typed and untyped nodes update differently.
      const parts: string[] = [];
      for (const withType of [true, false]) {
        const items = sorted.filter((n) => (n.type !== undefined) === withType);
        if (items.length === 0) continue;
        parts.push(`INSERT INTO ${t.nodes} AS n (graph, id, type, props)
          SELECT $1, u.id, ${withType ? "u.type" : "NULL"}, u.props::jsonb FROM ${source(items, withType)}
          ON CONFLICT (graph, id) DO UPDATE
          SET ${withType ? "type = excluded.type, " : ""}props = n.props || excluded.props`);
      }
      const text =
        parts.length === 1 ? (parts[0] as string) : `WITH typed AS (${parts[0]}) ${parts[1]}`;
      await db.execute("upsert nodes", text, params);
    },

    async upsertEdges(graph, edges: readonly EdgeWrite[], mode: UpsertMode) {
      const sorted = [...edges].sort(lockOrder);
      const merge = mode === "merge" ? "e.props || excluded.props" : "excluded.props";
      // Endpoints deduplicated here: the statement then reads each array once, where a CTE over
      // the edges read three times (materialized) plus a UNION cost 5-10% of the upsert.
      const ends = new Set<string>();
      for (const e of sorted) ends.add(e.from).add(e.to);
      const params: unknown[] = [graph];
      const endpoints = rowsOf(params, "x", [["id", "text", [...ends]]]);
      const source = rowsOf(params, "u", [
        ["from_id", "text", sorted.map((e) => e.from)],
        ["type", "text", sorted.map((e) => e.type)],
        ["to_id", "text", sorted.map((e) => e.to)],
        ["props", "text", sorted.map((e) => e.props)],
      ]);
      // Under the graph lock (graph-lock.ts), taken before any row changes: missing endpoints
      // become bare nodes in the same statement, in id order, so concurrent upserts lock new
      // index entries in one order.
      await db.execute(
        "upsert edges",
        `WITH lock AS (${graphLock(t, "shared", "$1")}),
        ends AS (
          INSERT INTO ${t.nodes} (graph, id)
          SELECT $1, x.id FROM lock, ${endpoints} ORDER BY x.id COLLATE "C"
          ON CONFLICT (graph, id) DO NOTHING
        )
        INSERT INTO ${t.edges} AS e (graph, from_id, type, to_id, props)
        SELECT $1, u.from_id, u.type, u.to_id, u.props::jsonb FROM lock, ${source}
        ON CONFLICT (graph, from_id, type, to_id) DO UPDATE SET props = ${merge}`,
        params,
      );
    },

    async getNodes(graph, ids) {
      const unique = [...new Set(ids)];
      const one = unique.length === 1;
      const rows = await db.query(
        "read nodes",
        `SELECT id, type, props::text FROM ${t.nodes}
         WHERE graph = $1 AND ${one ? "id = $2" : "id = ANY($2::text[])"}`,
        [graph, one ? unique[0] : unique],
      );
      const found = new Map<string, NodeRecord>();
      for (const [id, type, props] of rows) found.set(String(id), toNode(id, type, props));
      return ids.map((id) => found.get(id));
    },

    async getEdges(graph, keys) {
      const params: unknown[] = [graph];
      const unique = [...new Map(keys.map((k) => [edgeId(k), k])).values()];
      const source = rowsOf(params, "u", [
        ["from_id", "text", unique.map((k) => k.from)],
        ["type", "text", unique.map((k) => k.type)],
        ["to_id", "text", unique.map((k) => k.to)],
      ]);
      const rows = await db.query(
        "read edges",
        `SELECT e.from_id, e.type, e.to_id, e.props::text FROM ${source}
         JOIN ${t.edges} AS e ON e.graph = $1 AND e.from_id = u.from_id AND e.type = u.type AND e.to_id = u.to_id`,
        params,
      );
      const found = new Map<string, EdgeRecord>();
      for (const [from, type, to, props] of rows) {
        const edge = toEdge(from, type, to, props);
        found.set(edgeId(edge), edge);
      }
      return keys.map((k) => found.get(edgeId(k)));
    },

    deleteNodes(graph, ids) {
      // Incident edges go with them in the same statement (the trigger nodes_delete_edges, see
      // schema.ts), the graph lock held exclusively before the first node is deleted.
      return db.execute(
        "delete nodes",
        `WITH lock AS (${graphLock(t, "exclusive", "$1")})
         DELETE FROM ${t.nodes} AS n USING lock WHERE n.graph = $1 AND n.id = ANY($2::text[])`,
        [graph, [...ids].sort(compareUtf8)],
      );
    },

    deleteEdges(graph, keys) {
      const sorted = [...keys].sort(compareEdgeKeys);
      const params: unknown[] = [graph];
      const source = rowsOf(params, "u", [
        ["from_id", "text", sorted.map((k) => k.from)],
        ["type", "text", sorted.map((k) => k.type)],
        ["to_id", "text", sorted.map((k) => k.to)],
      ]);
      return db.execute(
        "delete edges",
        `DELETE FROM ${t.edges} AS e USING ${source}
         WHERE e.graph = $1 AND e.from_id = u.from_id AND e.type = u.type AND e.to_id = u.to_id`,
        params,
      );
    },

    async neighbors(graph, ids, query) {
      const params: unknown[] = [graph];
      const source = rowsOf(params, "q", [["id", "text", ids]], "i");
      const rows = await db.query("read neighbors", neighborQuery(source, query, params), params);
      if (!neighborOrder(rows)) rows.sort(compareNeighborRows);
      const lists: EdgeRecord[][] = ids.map(() => []);
      for (const [i, , from, type, to, props] of rows) {
        lists[Number(i) - 1]?.push(toEdge(from, type, to, props));
      }
      return lists;
    },

    async degree(graph, ids, query) {
      const params: unknown[] = [graph];
      const source = rowsOf(params, "q", [["id", "text", ids]], "i");
      const types = typeFilter(query.types, params);
      const counts: string[] = [];
      if (query.direction !== "in") {
        counts.push(
          `(SELECT count(*) FROM ${t.edges} AS e WHERE e.graph = $1 AND e.from_id = q.id${types})`,
        );
      }
      if (query.direction !== "out") {
        const noLoops = query.direction === "both" ? " AND e.from_id <> e.to_id" : "";
        counts.push(
          `(SELECT count(*) FROM ${t.edges} AS e WHERE e.graph = $1 AND e.to_id = q.id${noLoops}${types})`,
        );
      }
      const rows = await db.query(
        "read degree",
        `SELECT ${counts.join(" + ")} FROM ${source} ORDER BY q.i`,
        params,
      );
      return rows.map(([n]) => Number(n));
    },

    async listNodes(graph, query: NodeListQuery) {
      const params: unknown[] = [graph];
      const where = ["graph = $1"];
      if (query.type !== undefined) {
        params.push(query.type);
        where.push(`type = $${params.length}`);
      }
      if (query.after !== undefined) {
        params.push(query.after);
        where.push(`id > $${params.length}`);
      }
      params.push(query.limit);
      const rows = await db.query(
        "list nodes",
        `SELECT id, type, props::text FROM ${t.nodes} WHERE ${where.join(" AND ")}
         ORDER BY id LIMIT $${params.length}`,
        params,
      );
      return rows.map(([id, type, props]) => toNode(id, type, props));
    },

    async listEdges(graph, query: EdgeListQuery) {
      const params: unknown[] = [graph];
      const where = ["graph = $1"];
      const after = query.after;
      const p = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (query.type !== undefined) {
        where.push(`type = ${p(query.type)}`);
        if (after !== undefined) {
          // With one type the order is (from, to): a range on the index (graph, type, from_id, to_id).
          const c = compareUtf8(query.type, after.type);
          if (c > 0) where.push(`from_id >= ${p(after.from)}`);
          else if (c < 0) where.push(`from_id > ${p(after.from)}`);
          else where.push(`(from_id, to_id) > (${p(after.from)}, ${p(after.to)})`);
        }
      } else if (after !== undefined) {
        where.push(`(from_id, type, to_id) > (${p(after.from)}, ${p(after.type)}, ${p(after.to)})`);
      }
      const rows = await db.query(
        "list edges",
        `SELECT from_id, type, to_id, props::text FROM ${t.edges} WHERE ${where.join(" AND ")}
         ORDER BY from_id, type, to_id LIMIT ${p(query.limit)}`,
        params,
      );
      return rows.map(([from, type, to, props]) => toEdge(from, type, to, props));
    },

    async stats(graph) {
      const [row] = await db.query(
        "read stats",
        `SELECT (SELECT count(*) FROM ${t.nodes} WHERE graph = $1),
                (SELECT count(*) FROM ${t.edges} WHERE graph = $1)`,
        [graph],
      );
      return { nodes: Number(row?.[0] ?? 0), edges: Number(row?.[1] ?? 0) };
    },

    async clear(graph) {
      await db.execute(
        "clear",
        // The edges in the same statement: the cascade trigger then finds none left to delete.
        `WITH lock AS (${graphLock(t, "exclusive", "$1")}),
         e AS (DELETE FROM ${t.edges} AS e USING lock WHERE e.graph = $1)
         DELETE FROM ${t.nodes} AS n USING lock WHERE n.graph = $1`,
        [graph],
      );
    },

    async graphs() {
      // A loose index scan, as for namespaces.
      const rows = await db.query(
        "list graphs",
        `WITH RECURSIVE g(graph) AS (
           SELECT min(graph) FROM ${t.nodes}
           UNION ALL
           SELECT (SELECT min(n.graph) FROM ${t.nodes} AS n WHERE n.graph > g.graph) FROM g WHERE g.graph IS NOT NULL
         )
         SELECT graph FROM g WHERE graph IS NOT NULL ORDER BY graph`,
        [],
      );
      return rows.map(([graph]) => String(graph));
    },

    async traverse(graph, seeds, query: TraverseQuery): Promise<TraverseRecords> {
      const params: unknown[] = [graph, seeds];
      return traversalRecords(
        await db.query("traverse", traversalSql(query, params, "$2::text[]"), params),
      );
    },

    traversalSql,
  };

  /**
   * The traversal as one statement, seeded with the nodes of the text[] expression `seeds`.
   * `params` holds $1 (the graph) and $2 (the caller's: traverse's seed ids); `ctes` adds
   * common table expressions before the traversal's own (their parameters pushed when called).
   * Rows (kind, depth, …) that `traversalRecords` reads; other kinds are the caller's.
   */
  function traversalSql(
    query: TraverseQuery,
    params: unknown[],
    seeds: string,
    ctes: () => string = () => "",
  ): string {
    // One row per BFS level: its sorted frontier, every node kept so far, and whether this level
    // was cut at maxNodes (core keeps the first ids of a level and stops growing). Then the kept
    // nodes with their props and the traversed edges, in the same statement. (`OFFSET 0` keeps
    // the planner from inlining a level's array into each of its three uses: one query each.)
    params.push(query.maxNodes, query.maxDepth);
    const types = typeFilter(query.types, params);
    return `WITH RECURSIVE ${ctes()}bfs(depth, frontier, visited, truncated) AS (
          SELECT 0, s.ids[1:$3], s.ids[1:$3], cardinality(s.ids) > $3
          FROM (SELECT ARRAY(SELECT n.id FROM ${t.nodes} AS n
                WHERE n.graph = $1 AND n.id = ANY(${seeds}) ORDER BY n.id) AS ids OFFSET 0) AS s
          UNION ALL
          SELECT b.depth + 1, x.ids[1:x.room], b.visited || x.ids[1:x.room], cardinality(x.ids) > x.room
          FROM bfs AS b
          CROSS JOIN LATERAL (SELECT ${nextLevel(query.direction, types)} AS ids,
                                     $3 - cardinality(b.visited) AS room OFFSET 0) AS x
          WHERE b.depth < $4 AND cardinality(b.frontier) > 0 AND NOT b.truncated
        ),
        kept AS (SELECT k.id, b.depth FROM bfs AS b, unnest(b.frontier) AS k(id))
        SELECT 'n', k.depth, n.id, n.type, NULL, n.props::text
          FROM ${t.nodes} AS n JOIN kept AS k ON k.id = n.id
          WHERE n.graph = $1 AND n.id = ANY(ARRAY(SELECT id FROM kept))
        UNION ALL ${traversedEdges(query.direction, types)}
        UNION ALL SELECT 't', NULL, NULL, NULL, NULL, NULL WHERE (SELECT bool_or(truncated) FROM bfs)`;
  }
}

/** The statement builder of `traverse`, for statements that seed it themselves (vectors). */
export type TraversalSql = (
  query: TraverseQuery,
  params: unknown[],
  seeds: string,
  ctes?: () => string,
) => string;

/** The traversal out of `traversalSql`'s rows (kinds "n", "e", "t"; other kinds skipped). */
export function traversalRecords(rows: unknown[][]): TraverseRecords {
  const nodes: Array<NodeRecord & { depth: number }> = [];
  const edges: EdgeRecord[] = [];
  let truncated = false;
  for (const [kind, depth, a, b, c, props] of rows) {
    if (kind === "n") nodes.push({ ...toNode(a, b, props), depth: Number(depth) });
    else if (kind === "e") edges.push(toEdge(a, b, c, props));
    else if (kind === "t") truncated = true;
  }
  nodes.sort((x, y) => x.depth - y.depth || compareUtf8(x.id, y.id));
  return { nodes, edges: edges.sort(compareEdgeKeys), truncated };
}
