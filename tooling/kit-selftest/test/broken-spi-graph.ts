// Broken drivers for the spi/* groups, graph part (plus closed drivers and capabilities): each
// wraps the memory driver and breaks one rule of spi.ts the way a driver author plausibly would.
// The kit must fail every one (broken-drivers.test.ts). KV breakages: broken-spi-kv.ts.

import { traverse as coreTraverse } from "@stowage/core";
import type { EdgeRecord, GraphDriver } from "@stowage/core";
import { createMemoryDriver, type MemoryDatabase } from "@stowage/memory";
import type { BrokenDriver } from "./broken.ts";

const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const ALL = 1_000_000_000;

/** A second memory driver over the same database that is never closed (for "keeps working after close"). */
function spare(ig: GraphDriver, db: MemoryDatabase): GraphDriver {
  return createMemoryDriver({ database: db, sweepIntervalMs: 0 }).graph ?? ig;
}

export const spiGraphBrokenDrivers: readonly BrokenDriver[] = [
  // ---- graph records
  {
    name: "replace keeps the old type when the type is omitted",
    groups: ["spi/graph", "spi/model/graph"],
    mustFail: ["spi/graph/replace"],
    breakage: {
      graph: (ig) => ({
        async upsertNodes(graph, nodes, mode) {
          if (mode === "merge") return ig.upsertNodes(graph, nodes, mode);
          const old = await ig.getNodes(
            graph,
            nodes.map((n) => n.id),
          );
          return ig.upsertNodes(
            graph,
            nodes.map((n, i) => (n.type === undefined ? { ...n, type: old[i]?.type ?? null } : n)),
            mode,
          );
        },
      }),
    },
  },
  {
    name: "merge treats an explicit type null as omitted (keeps the old type)",
    groups: ["spi/graph/merge-type"],
    mustFail: ["spi/graph/merge-type"],
    breakage: {
      graph: (ig) => ({
        upsertNodes: (graph, nodes, mode) =>
          ig.upsertNodes(
            graph,
            nodes.map(({ type, ...n }) =>
              mode === "merge" && type === null
                ? n
                : { ...n, ...(type === undefined ? {} : { type }) },
            ),
            mode,
          ),
      }),
    },
  },
  {
    name: "merge is deep (nested objects merged) instead of top-level",
    groups: ["spi/graph/merge-props"],
    mustFail: ["spi/graph/merge-props"],
    breakage: {
      graph: (ig) => ({
        async upsertNodes(graph, nodes, mode) {
          if (mode === "replace") return ig.upsertNodes(graph, nodes, mode);
          const deep = (a: unknown, b: unknown): unknown =>
            a &&
            b &&
            typeof a === "object" &&
            typeof b === "object" &&
            !Array.isArray(a) &&
            !Array.isArray(b)
              ? Object.fromEntries(
                  [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [
                    k,
                    k in (b as object)
                      ? deep((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
                      : (a as Record<string, unknown>)[k],
                  ]),
                )
              : b;
          const old = await ig.getNodes(
            graph,
            nodes.map((n) => n.id),
          );
          return ig.upsertNodes(
            graph,
            nodes.map((n, i) => ({
              ...n,
              props: JSON.stringify(deep(JSON.parse(old[i]?.props ?? "{}"), JSON.parse(n.props))),
            })),
            "merge",
          );
        },
      }),
    },
  },
  {
    name: "edge upserts always replace props (merge ignored for edges)",
    groups: ["spi/graph/edge-props"],
    mustFail: ["spi/graph/edge-props"],
    breakage: {
      graph: (ig) => ({ upsertEdges: (graph, edges) => ig.upsertEdges(graph, edges, "replace") }),
    },
  },
  {
    name: 'bare endpoints created with props "null"',
    groups: ["spi/graph/bare-endpoints"],
    mustFail: ["spi/graph/bare-endpoints"],
    breakage: {
      graph: (ig) => ({
        async upsertEdges(graph, edges, mode) {
          const ends = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
          const found = await ig.getNodes(graph, ends);
          const missing = ends.filter((_, i) => !found[i]);
          if (missing.length > 0)
            await ig.upsertNodes(
              graph,
              missing.map((id) => ({ id, type: null, props: "null" })),
              "replace",
            );
          return ig.upsertEdges(graph, edges, mode);
        },
      }),
    },
  },
  {
    name: "getNodes answers each distinct id once (repeats misaligned)",
    groups: ["spi/graph/get-nodes-order"],
    mustFail: ["spi/graph/get-nodes-order"],
    breakage: {
      graph: (ig) => ({ getNodes: (graph, ids) => ig.getNodes(graph, [...new Set(ids)]) }),
    },
  },
  {
    name: "deleteNodes returns the number of ids given, not of nodes that existed",
    groups: ["spi/graph/delete-nodes", "spi/model/graph"],
    mustFail: ["spi/graph/delete-nodes"],
    breakage: {
      graph: (ig) => ({
        async deleteNodes(graph, ids) {
          await ig.deleteNodes(graph, ids);
          return ids.length;
        },
      }),
    },
  },
  {
    name: "deleteEdges returns the number of keys given",
    groups: ["spi/graph/delete-edges"],
    mustFail: ["spi/graph/delete-edges"],
    breakage: {
      graph: (ig) => ({
        async deleteEdges(graph, keys) {
          await ig.deleteEdges(graph, keys);
          return keys.length;
        },
      }),
    },
  },
  {
    name: "listEdges ordered by the concatenated key from+type+to",
    groups: ["spi/graph/list-edges"],
    mustFail: ["spi/graph/list-edges"],
    breakage: {
      graph: (ig) => ({
        async listEdges(graph, query) {
          const cat = (e: { from: string; type: string; to: string }) => e.from + e.type + e.to;
          const all = (
            await ig.listEdges(graph, { limit: ALL, ...(query.type ? { type: query.type } : {}) })
          ).sort((a, b) => byteCompare(cat(a), cat(b)));
          const after = query.after;
          return all
            .filter((e) => !after || byteCompare(cat(e), cat(after)) > 0)
            .slice(0, query.limit);
        },
      }),
    },
  },
  {
    name: "listNodes ignores the type filter when after is given",
    groups: ["spi/graph/list-nodes"],
    mustFail: ["spi/graph/list-nodes"],
    breakage: {
      graph: (ig) => ({
        listNodes: (graph, { type, ...q }) =>
          ig.listNodes(graph, q.after === undefined && type !== undefined ? { ...q, type } : q),
      }),
    },
  },
  {
    name: "stats counts only typed nodes (bare endpoints left out)",
    groups: ["spi/graph/stats"],
    mustFail: ["spi/graph/stats"],
    breakage: {
      graph: (ig) => ({
        async stats(graph) {
          const s = await ig.stats(graph);
          const bare = (await ig.listNodes(graph, { limit: ALL })).filter(
            (n) => n.type === null && n.props === "{}",
          ).length;
          return { nodes: s.nodes - bare, edges: s.edges };
        },
      }),
    },
  },
  {
    name: "graph clear(g) also clears graphs whose names start with g",
    groups: ["spi/graph/clear-isolation"],
    mustFail: ["spi/graph/clear-isolation"],
    breakage: {
      graph: (ig) => ({
        async clear(graph) {
          for (const name of await ig.graphs()) if (name.startsWith(graph)) await ig.clear(name);
        },
      }),
    },
  },
  {
    name: "graphs() keeps listing a graph whose nodes were all deleted",
    groups: ["spi/graph/graphs"],
    mustFail: ["spi/graph/graphs"],
    breakage: {
      graph: (ig) => {
        const seen = new Set<string>();
        return {
          async upsertEdges(graph, edges, mode) {
            seen.add(graph);
            return ig.upsertEdges(graph, edges, mode);
          },
          graphs: async () => [...new Set([...(await ig.graphs()), ...seen])].sort(byteCompare),
        };
      },
    },
  },
  {
    name: "graphs() lists only graphs that hold edges",
    groups: ["spi/graph/graphs"],
    mustFail: ["spi/graph/graphs"],
    breakage: {
      graph: (ig) => ({
        async graphs() {
          const out: string[] = [];
          for (const g of await ig.graphs()) if ((await ig.stats(g)).edges > 0) out.push(g);
          return out;
        },
      }),
    },
  },
  // ---- neighbors, degree, traverse
  {
    name: "neighbors limit applied to the whole batch instead of per id",
    groups: ["spi/neighbors", "spi/model/graph"],
    mustFail: ["spi/neighbors/limit-per-id"],
    breakage: {
      graph: (ig) => ({
        async neighbors(graph, ids, query) {
          const { limit, ...rest } = query;
          const lists = await ig.neighbors(graph, ids, rest);
          if (limit === undefined) return lists;
          let left = limit;
          return lists.map((l) => {
            const taken = l.slice(0, Math.max(0, left));
            left -= taken.length;
            return taken;
          });
        },
      }),
    },
  },
  {
    name: "neighbors both lists in-edges first",
    groups: ["spi/neighbors/both"],
    mustFail: ["spi/neighbors/both"],
    breakage: {
      graph: (ig) => ({
        async neighbors(graph, ids, query) {
          if (query.direction !== "both") return ig.neighbors(graph, ids, query);
          const [outs, ins] = await Promise.all([
            ig.neighbors(graph, ids, { ...query, direction: "out", limit: undefined } as never),
            ig.neighbors(graph, ids, { ...query, direction: "in", limit: undefined } as never),
          ]);
          return ids.map((id, i) =>
            [...(ins[i] ?? []).filter((e) => e.from !== id), ...(outs[i] ?? [])].slice(
              0,
              query.limit ?? ALL,
            ),
          );
        },
      }),
    },
  },
  {
    name: "neighbors in ordered by the other end only (type ignored)",
    groups: ["spi/neighbors/in-order"],
    mustFail: ["spi/neighbors/in-order"],
    breakage: {
      graph: (ig) => ({
        async neighbors(graph, ids, query) {
          const lists = await ig.neighbors(graph, ids, query);
          return query.direction === "in"
            ? lists.map((l) =>
                [...l].sort((a, b) => byteCompare(a.from, b.from) || byteCompare(a.type, b.type)),
              )
            : lists;
        },
      }),
    },
  },
  {
    name: "neighbors answers ids in sorted order, not input order",
    groups: ["spi/neighbors/batch"],
    mustFail: ["spi/neighbors/batch"],
    breakage: {
      graph: (ig) => ({
        neighbors: (graph, ids, query) => ig.neighbors(graph, [...ids].sort(byteCompare), query),
      }),
    },
  },
  {
    name: "degree applies the limit",
    groups: ["spi/neighbors/degree"],
    mustFail: ["spi/neighbors/degree"],
    breakage: {
      graph: (ig) => ({
        degree: async (graph, ids, query) =>
          (await ig.neighbors(graph, ids, query)).map((l) => l.length),
      }),
    },
  },
  {
    name: "degree counts a self-loop twice for both",
    groups: ["spi/neighbors/degree"],
    mustFail: ["spi/neighbors/degree"],
    breakage: {
      graph: (ig) => ({
        async degree(graph, ids, query) {
          const { limit: _, ...q } = query;
          const lists = await ig.neighbors(graph, ids, q);
          return lists.map(
            (l, i) =>
              l.length +
              (q.direction === "both"
                ? l.filter((e) => e.from === ids[i] && e.to === ids[i]).length
                : 0),
          );
        },
      }),
    },
  },
  {
    name: "native traverse returns edges unordered (by discovery)",
    groups: ["spi/neighbors/native-traverse"],
    mustFail: ["spi/neighbors/native-traverse"],
    breakage: {
      capabilities: { nativeTraversal: true },
      graph: (ig) => ({
        async traverse(graph, seeds, query) {
          const r = await coreTraverse(ig, graph, seeds, query, false);
          return {
            ...r,
            edges: [...r.edges].sort((a: EdgeRecord, b: EdgeRecord) => byteCompare(b.to, a.to)),
          };
        },
      }),
    },
  },
  // ---- closed drivers and capabilities
  {
    name: "graph methods keep working after close()",
    groups: ["spi/closed"],
    mustFail: [
      "spi/closed/graph-neighbors",
      "spi/closed/graph-stats",
      "spi/closed/graph-upsert-nodes",
      "spi/closed/graph-graphs",
    ],
    breakage: {
      graph: (ig, db) => {
        const open = spare(ig, db);
        return {
          neighbors: open.neighbors,
          stats: open.stats,
          upsertNodes: open.upsertNodes,
          graphs: open.graphs,
        };
      },
    },
  },
  {
    name: "kv reads keep working after close()",
    groups: ["spi/closed"],
    mustFail: ["spi/closed/kv-list", "spi/closed/kv-count", "spi/closed/kv-namespaces"],
    breakage: {
      kv: () => {
        const open = createMemoryDriver({ sweepIntervalMs: 0 }).kv;
        return { list: open.list, count: open.count, namespaces: open.namespaces };
      },
    },
  },
  {
    name: "ping resolves after close()",
    groups: ["spi/closed/ping"],
    mustFail: ["spi/closed/ping"],
    breakage: { ping: async () => {} },
  },
  {
    name: "every open() declares a different maxValueBytes",
    groups: ["spi/honesty/stable-capabilities"],
    mustFail: ["spi/honesty/stable-capabilities"],
    breakage: {
      capabilities: {
        get maxValueBytes() {
          return 65_536 + Math.floor(Math.random() * 1e9);
        },
      } as never,
    },
  },
  {
    name: "declares shared but every instance has its own data (SPI)",
    groups: ["spi/honesty/shared-kv", "spi/honesty/shared-graph"],
    mustFail: ["spi/honesty/shared-kv", "spi/honesty/shared-graph"],
    breakage: { privateDatabase: true },
  },
  {
    name: "declares persistent but loses data on close (SPI)",
    groups: ["spi/honesty/persistent-kv", "spi/honesty/persistent-graph"],
    mustFail: ["spi/honesty/persistent-kv", "spi/honesty/persistent-graph"],
    breakage: { capabilities: { persistent: true }, privateDatabase: true },
  },
  {
    name: "graph name and node id joined without a separator (one node space)",
    groups: ["spi/graph/graph-boundaries"],
    mustFail: ["spi/graph/graph-boundaries"],
    breakage: {
      graph: (ig) => {
        const ONE = "all";
        const strip = (graph: string, e: EdgeRecord): EdgeRecord => ({
          ...e,
          from: e.from.slice(graph.length),
          to: e.to.slice(graph.length),
        });
        return {
          upsertNodes: (graph, nodes, mode) =>
            ig.upsertNodes(
              ONE,
              nodes.map((n) => ({ ...n, id: graph + n.id })),
              mode,
            ),
          upsertEdges: (graph, edges, mode) =>
            ig.upsertEdges(
              ONE,
              edges.map((e) => ({ ...e, from: graph + e.from, to: graph + e.to })),
              mode,
            ),
          async getNodes(graph, ids) {
            return (
              await ig.getNodes(
                ONE,
                ids.map((id) => graph + id),
              )
            ).map((n) => n && { ...n, id: n.id.slice(graph.length) });
          },
          async neighbors(graph, ids, query) {
            return (
              await ig.neighbors(
                ONE,
                ids.map((id) => graph + id),
                query,
              )
            ).map((l) => l.map((e) => strip(graph, e)));
          },
          async stats(graph) {
            const nodes = (await ig.listNodes(ONE, { limit: ALL })).filter((n) =>
              n.id.startsWith(graph),
            );
            const edges = (await ig.listEdges(ONE, { limit: ALL })).filter((e) =>
              e.from.startsWith(graph),
            );
            return { nodes: nodes.length, edges: edges.length };
          },
        };
      },
    },
  },
  {
    name: "graphs() lists KV namespaces too (one registry for both)",
    groups: ["spi/graph/graph-boundaries"],
    mustFail: ["spi/graph/graph-boundaries"],
    breakage: {
      graph: (ig, db) => ({
        async graphs() {
          const names = await createMemoryDriver({
            database: db,
            sweepIntervalMs: 0,
          }).kv.namespaces(0);
          return [...new Set([...(await ig.graphs()), ...names])].sort(byteCompare);
        },
      }),
    },
  },
];
