// A second, independently written round of broken drivers (one rule each), added after running
// them against the whole kit: each is caught by the spi/* case named in mustFail.

import type { Breakage, BrokenDriver } from "./broken.ts";

const fresh: [string, Breakage][] = [
  [
    "expires 1 ms early",
    { kv: (ikv) => ({ getMany: (ns, k, now) => ikv.getMany(ns, k, now + 1) }) },
  ],
  [
    "in lists out-edges too",
    {
      graph: (ig) => ({
        neighbors: (g, ids, q) =>
          ig.neighbors(g, ids, q.direction === "in" ? { ...q, direction: "both" } : q),
      }),
    },
  ],
  [
    "replace merges edge props",
    { graph: (ig) => ({ upsertEdges: (g, e) => ig.upsertEdges(g, e, "merge") }) },
  ],
  [
    "deleteEdges also deletes the reverse edge",
    {
      graph: (ig) => ({
        deleteEdges: async (g, keys) => {
          const n = await ig.deleteEdges(g, keys);
          await ig.deleteEdges(
            g,
            keys.map((k) => ({ from: k.to, type: k.type, to: k.from })),
          );
          return n;
        },
      }),
    },
  ],
  [
    "listEdges after compares from only",
    {
      graph: (ig) => ({
        listEdges: async (g, q) => {
          const all = await ig.listEdges(g, { limit: 1e9, ...(q.type ? { type: q.type } : {}) });
          return all
            .filter(
              (e) => !q.after || Buffer.compare(Buffer.from(e.from), Buffer.from(q.after.from)) > 0,
            )
            .slice(0, q.limit);
        },
      }),
    },
  ],
  [
    "getMany returns version as string",
    {
      kv: (ikv) => ({
        getMany: async (ns, k, now) =>
          (await ikv.getMany(ns, k, now)).map(
            (e) => e && { ...e, version: String(e.version) as unknown as number },
          ),
      }),
    },
  ],
  [
    "setMany ignores expiresAt when ifVersion given",
    {
      kv: (ikv) => ({
        setMany: (ns, w, now) =>
          ikv.setMany(
            ns,
            w.map((x) => (x.ifVersion !== undefined ? { ...x, expiresAt: null } : x)),
            now,
          ),
      }),
    },
  ],
  [
    "degree ignores types",
    { graph: (ig) => ({ degree: (g, ids, { types: _, ...q }) => ig.degree(g, ids, q) }) },
  ],
  [
    "listNodes limit+1",
    { graph: (ig) => ({ listNodes: (g, q) => ig.listNodes(g, { ...q, limit: q.limit + 1 }) }) },
  ],
  ["count ignores prefix", { kv: (ikv) => ({ count: (ns, _p, now) => ikv.count(ns, "", now) }) }],
  [
    "withValues entries from one call earlier (stale cache)",
    {
      kv: (ikv) => {
        const last = new Map<string, unknown>();
        return {
          list: async (ns, q, now) => {
            const r = await ikv.list(ns, q, now);
            const out = r.map((i) =>
              i.entry && last.has(ns + i.key)
                ? { ...i, entry: last.get(ns + i.key) as typeof i.entry }
                : i,
            );
            for (const i of r) if (i.entry) last.set(ns + i.key, i.entry);
            return out;
          },
        };
      },
    },
  ],
  [
    "stats edges counted twice for self-loops",
    {
      graph: (ig) => ({
        stats: async (g) => {
          const s = await ig.stats(g);
          const loops = (await ig.listEdges(g, { limit: 1e9 })).filter(
            (e) => e.from === e.to,
          ).length;
          return { ...s, edges: s.edges + loops };
        },
      }),
    },
  ],
];

const mustFail: Record<string, string[]> = {
  "expires 1 ms early": ["spi/ttl/get-many"],
  "in lists out-edges too": ["spi/neighbors/in-order"],
  "replace merges edge props": ["spi/graph/edge-props"],
  "deleteEdges also deletes the reverse edge": ["spi/graph/delete-edges"],
  "listEdges after compares from only": ["spi/graph/list-edges"],
  "getMany returns version as string": ["spi/kv/get-many-shape", "spi/kv/get-many-order"],
  "setMany ignores expiresAt when ifVersion given": ["spi/kv/set-many-conditions-hold"],
  "degree ignores types": ["spi/neighbors/degree"],
  "listNodes limit+1": ["spi/graph/list-nodes"],
  "count ignores prefix": ["spi/kv/count-prefix"],
  "withValues entries from one call earlier (stale cache)": ["spi/kv/list-with-values"],
  "stats edges counted twice for self-loops": ["spi/graph/stats"],
};

export const spiFreshBrokenDrivers: readonly BrokenDriver[] = fresh.map(([name, breakage]) => ({
  name,
  groups: mustFail[name] ?? [],
  mustFail: mustFail[name] ?? [],
  breakage,
}));
