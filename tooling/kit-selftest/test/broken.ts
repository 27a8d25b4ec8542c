// Deliberately broken drivers: each wraps the memory driver and breaks one rule of the SPI. The
// kit must fail every one of them (see broken-drivers.test.ts).

import { traverse as coreTraverse, UnavailableError } from "@stowage/core";
import type { Driver, DriverCapabilities, EdgeRecord, GraphDriver, KvDriver, KvListItem, KvListQuery } from "@stowage/core";
import { createMemoryDriver, MemoryDatabase } from "@stowage/memory";

const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const ALL = 1_000_000_000;

export interface Breakage {
  readonly capabilities?: Partial<DriverCapabilities>;
  readonly kv?: (inner: KvDriver, db: MemoryDatabase) => Partial<KvDriver>;
  readonly graph?: (inner: GraphDriver, db: MemoryDatabase) => Partial<GraphDriver>;
  readonly close?: (inner: Driver) => Promise<void>;
  readonly ping?: (inner: Driver) => Promise<void>;
  /** Every open() gets a new database (the driver loses data between instances). */
  readonly privateDatabase?: boolean;
}

/** A memory driver over `db` with some SPI methods replaced. */
export function wrapMemory(db: MemoryDatabase, breakage: Breakage = {}): Driver {
  const inner = createMemoryDriver({ database: breakage.privateDatabase ? new MemoryDatabase() : db, sweepIntervalMs: 0 });
  const ikv = inner.kv;
  const ig = inner.graph as GraphDriver;
  const kv: KvDriver = {
    getMany: (...a) => ikv.getMany(...a),
    setMany: (...a) => ikv.setMany(...a),
    deleteMany: (...a) => ikv.deleteMany(...a),
    list: (...a) => ikv.list(...a),
    count: (...a) => ikv.count(...a),
    clear: (...a) => ikv.clear(...a),
    namespaces: (...a) => ikv.namespaces(...a),
    ...breakage.kv?.(ikv, db),
  };
  const graph: GraphDriver = {
    upsertNodes: (...a) => ig.upsertNodes(...a),
    upsertEdges: (...a) => ig.upsertEdges(...a),
    getNodes: (...a) => ig.getNodes(...a),
    getEdges: (...a) => ig.getEdges(...a),
    deleteNodes: (...a) => ig.deleteNodes(...a),
    deleteEdges: (...a) => ig.deleteEdges(...a),
    neighbors: (...a) => ig.neighbors(...a),
    degree: (...a) => ig.degree(...a),
    listNodes: (...a) => ig.listNodes(...a),
    listEdges: (...a) => ig.listEdges(...a),
    stats: (...a) => ig.stats(...a),
    clear: (...a) => ig.clear(...a),
    graphs: (...a) => ig.graphs(...a),
    ...breakage.graph?.(ig, db),
  };
  return {
    name: "memory",
    capabilities: { ...inner.capabilities, shared: true, ...breakage.capabilities },
    kv,
    graph,
    ping: () => (breakage.ping ? breakage.ping(inner) : inner.ping()),
    close: () => (breakage.close ? breakage.close(inner) : inner.close()),
  };
}

/** The memory driver, declaring persistence (one MemoryDatabase outlives its drivers) and a native traverse (core's own walk). */
export const healthy: Breakage = {
  capabilities: { persistent: true, nativeTraversal: true },
  graph: (ig) => ({ traverse: (graph, seeds, query) => coreTraverse(ig, graph, seeds, query, false) }),
};

/** Lists every live key (inner order is byte order), for breakages that re-filter listings. */
async function everything(ikv: KvDriver, ns: string, query: KvListQuery, now: number): Promise<KvListItem[]> {
  return ikv.list(ns, { prefix: "", limit: ALL, withValues: query.withValues }, now);
}

async function wipeEverything(inner: Driver): Promise<void> {
  for (const ns of await inner.kv.namespaces(0)) await inner.kv.clear(ns);
  for (const g of (await inner.graph?.graphs()) ?? []) await inner.graph?.clear(g);
}

export interface BrokenDriver {
  readonly name: string;
  /** Groups to run it against. */
  readonly groups: readonly string[];
  /** Cases that must fail (at least these). */
  readonly mustFail: readonly string[];
  readonly breakage: Breakage;
}

export const brokenDrivers: readonly BrokenDriver[] = [
  // ---- the seven of the foundation issue
  {
    name: "clear() wipes every namespace",
    groups: ["store", "kv/list"],
    mustFail: ["store/clear-isolation", "kv/list/sibling-names"],
    breakage: {
      kv: (ikv) => ({
        async clear() {
          for (const ns of await ikv.namespaces(0)) await ikv.clear(ns);
        },
      }),
    },
  },
  {
    name: "getMany answers out of input order",
    groups: ["kv/basic"],
    mustFail: ["kv/basic/getmany-order", "kv/basic/getmany-large-shuffled", "kv/basic/getentries-versions"],
    breakage: {
      kv: (ikv) => ({
        getMany: (ns, keys, now) => ikv.getMany(ns, [...keys].sort(byteCompare), now),
      }),
    },
  },
  {
    name: "a page repeats the key it starts after",
    groups: ["kv/list"],
    mustFail: ["kv/list/many-pages", "kv/list/limit-cursor", "kv/list/keys-iterator", "kv/list/pages-prefix"],
    breakage: {
      kv: (ikv) => ({
        async list(ns, query, now) {
          const all = await ikv.list(ns, { ...query, after: undefined, limit: ALL }, now);
          const after = query.after;
          return all.filter((i) => after === undefined || byteCompare(i.key, after) >= 0).slice(0, query.limit);
        },
      }),
    },
  },
  {
    name: "a page skips the first key after the cursor",
    groups: ["kv/list"],
    mustFail: ["kv/list/many-pages", "kv/list/limit-cursor", "kv/list/keys-iterator"],
    breakage: {
      kv: (ikv) => ({
        async list(ns, query, now) {
          if (query.after === undefined) return ikv.list(ns, query, now);
          return (await ikv.list(ns, { ...query, limit: query.limit + 1 }, now)).slice(1);
        },
      }),
    },
  },
  {
    name: "list ignores TTL",
    groups: ["kv/ttl"],
    mustFail: ["kv/ttl/not-listed", "kv/ttl/full-pages"],
    breakage: { kv: (ikv) => ({ list: (ns, query) => ikv.list(ns, query, 0) }) },
  },
  {
    name: "count ignores TTL",
    groups: ["kv/ttl"],
    mustFail: ["kv/ttl/not-counted"],
    breakage: { kv: (ikv) => ({ count: (ns, prefix) => ikv.count(ns, prefix, 0) }) },
  },
  {
    name: "a failing batch is half applied",
    groups: ["kv/batch", "kv/cas", "model"],
    mustFail: ["kv/batch/atomic-ifversion", "kv/batch/atomic-middle", "kv/cas/setmany-conflict-keys", "model/kv"],
    breakage: {
      kv: (ikv) => ({
        async setMany(ns, writes, now) {
          const results: number[] = [];
          for (const [i, w] of writes.entries()) {
            const r = await ikv.setMany(ns, [w], now);
            if (!r.ok) return { ok: false, conflicts: [i] };
            results.push(r.results[0] as number);
          }
          return { ok: true, results };
        },
      }),
    },
  },
  {
    name: "CAS does not check the version",
    groups: ["kv/cas", "kv/concurrency", "model"],
    mustFail: ["kv/cas/ifversion-mismatch", "kv/cas/ifversion-missing", "kv/concurrency/update-increments", "kv/concurrency/ifversion-race", "model/kv"],
    breakage: {
      kv: (ikv) => ({
        setMany: (ns, writes, now) => ikv.setMany(ns, writes.map(({ ifVersion: _, ...w }) => w), now),
      }),
    },
  },
  {
    name: "deleting a node leaves its edges",
    groups: ["graph/basic", "model"],
    mustFail: ["graph/basic/delete-cascade", "graph/basic/delete-nodes-count", "graph/basic/recreate-after-delete", "model/graph"],
    breakage: {
      graph: (ig) => {
        // Edges of deleted nodes live on (as a store without foreign keys would keep them).
        const dangling = new Map<string, EdgeRecord[]>();
        const ghosts = (graph: string) => dangling.get(graph) ?? [];
        return {
          async deleteNodes(graph, ids) {
            const incident = (await ig.neighbors(graph, ids, { direction: "both" })).flat();
            dangling.set(graph, [...ghosts(graph), ...incident]);
            return ig.deleteNodes(graph, ids);
          },
          async neighbors(graph, ids, query) {
            const lists = await ig.neighbors(graph, ids, query);
            return lists.map((edges, i) => [
              ...edges,
              ...ghosts(graph).filter((e) => (query.direction !== "in" && e.from === ids[i]) || (query.direction !== "out" && e.to === ids[i])),
            ]);
          },
          async getEdges(graph, keys) {
            const found = await ig.getEdges(graph, keys);
            return found.map((e, i) => e ?? ghosts(graph).find((g) => g.from === keys[i]?.from && g.type === keys[i]?.type && g.to === keys[i]?.to));
          },
          async stats(graph) {
            const s = await ig.stats(graph);
            return { nodes: s.nodes, edges: s.edges + new Set(ghosts(graph).map((e) => `${e.from}\0${e.type}\0${e.to}`)).size };
          },
          async clear(graph) {
            dangling.delete(graph);
            await ig.clear(graph);
          },
        };
      },
    },
  },
  // ---- more rules
  {
    name: "expiry is checked with > instead of >= (live at exactly expiresAt)",
    groups: ["kv/ttl"],
    mustFail: ["kv/ttl/boundary"],
    breakage: {
      kv: (ikv) => ({
        getMany: (ns, keys, now) => ikv.getMany(ns, keys, now - 1),
        count: (ns, prefix, now) => ikv.count(ns, prefix, now - 1),
        list: (ns, query, now) => ikv.list(ns, query, now - 1),
      }),
    },
  },
  {
    name: "expiresAt rounded up to whole seconds",
    groups: ["kv/ttl"],
    mustFail: ["kv/ttl/expires-at"],
    breakage: {
      kv: (ikv) => ({
        setMany: (ns, writes, now) =>
          ikv.setMany(ns, writes.map((w) => ({ ...w, expiresAt: w.expiresAt === null ? null : Math.ceil(w.expiresAt / 1000) * 1000 })), now),
      }),
    },
  },
  {
    name: "deleteMany counts expired entries as removed",
    groups: ["kv/ttl"],
    mustFail: ["kv/ttl/delete-expired"],
    breakage: { kv: (ikv) => ({ deleteMany: (ns, deletes) => ikv.deleteMany(ns, deletes, 0) }) },
  },
  {
    name: "namespaces() lists namespaces whose entries all expired",
    groups: ["kv/ttl"],
    mustFail: ["kv/ttl/namespaces"],
    breakage: { kv: (ikv) => ({ namespaces: () => ikv.namespaces(0) }) },
  },
  {
    name: "listing in UTF-16 (JavaScript) order instead of UTF-8 byte order",
    groups: ["kv/list"],
    mustFail: ["kv/list/byte-order-astral"],
    breakage: {
      kv: (ikv) => ({
        async list(ns, query, now) {
          const all = (await everything(ikv, ns, query, now)).filter((i) => i.key.startsWith(query.prefix));
          all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
          const after = query.after;
          return all.filter((i) => after === undefined || i.key > after).slice(0, query.limit);
        },
      }),
    },
  },
  {
    name: "prefix listing as a range up to prefix + U+FFFF",
    groups: ["kv/keys"],
    mustFail: ["kv/keys/prefix-high-code-points"],
    breakage: {
      kv: (ikv) => {
        const inRange = (key: string, prefix: string) => prefix === "" || (key >= prefix && key < `${prefix}\uFFFF`);
        return {
          async list(ns, query, now) {
            const after = query.after;
            return (await everything(ikv, ns, query, now))
              .filter((i) => inRange(i.key, query.prefix) && (after === undefined || byteCompare(i.key, after) > 0))
              .slice(0, query.limit);
          },
          async count(ns, prefix, now) {
            return (await ikv.list(ns, { prefix: "", limit: ALL, withValues: false }, now)).filter((i) => inRange(i.key, prefix)).length;
          },
        };
      },
    },
  },
  {
    name: "a resumed prefix listing scans from the cursor, not from the prefix",
    groups: ["kv/list"],
    mustFail: ["kv/list/cursor-outside-prefix"],
    breakage: {
      kv: (ikv) => ({
        async list(ns, query, now) {
          const after = query.after;
          if (after === undefined) return ikv.list(ns, query, now);
          const end = `${query.prefix}\u{10FFFF}`;
          return (await everything(ikv, ns, query, now)).filter((i) => byteCompare(i.key, after) > 0 && byteCompare(i.key, end) < 0).slice(0, query.limit);
        },
      }),
    },
  },
  {
    name: "listNodes / listEdges filter by type after taking a page",
    groups: ["graph/list"],
    mustFail: ["graph/list/sparse-type", "graph/list/nodes-type"],
    breakage: {
      graph: (ig) => ({
        async listNodes(graph, query) {
          const { type, ...page } = query;
          return (await ig.listNodes(graph, page)).filter((n) => type === undefined || n.type === type);
        },
        async listEdges(graph, query) {
          const { type, ...page } = query;
          return (await ig.listEdges(graph, page)).filter((e) => type === undefined || e.type === type);
        },
      }),
    },
  },
  {
    name: "close() leaves a timer running",
    groups: ["lifecycle"],
    mustFail: ["lifecycle/no-leaks"],
    breakage: {
      close: async (inner) => {
        // A forgotten keep-alive timer (stopped later so the test process can exit).
        const timer = setInterval(() => {}, 1000);
        setTimeout(() => clearInterval(timer), 8000).unref();
        await inner.close();
      },
    },
  },
  {
    name: "prefix used as a SQL LIKE pattern (_ and % are wildcards)",
    groups: ["kv/keys"],
    mustFail: ["kv/keys/prefix-like"],
    breakage: {
      kv: (ikv) => {
        const like = (prefix: string) => new RegExp(`^${[...prefix].map((c) => (c === "_" ? "." : c === "%" ? ".*" : c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("")}`, "su");
        return {
          async list(ns, query, now) {
            const after = query.after;
            const re = like(query.prefix);
            return (await everything(ikv, ns, query, now)).filter((i) => re.test(i.key) && (after === undefined || byteCompare(i.key, after) > 0)).slice(0, query.limit);
          },
          async count(ns, prefix, now) {
            const re = like(prefix);
            return (await ikv.list(ns, { prefix: "", limit: ALL, withValues: false }, now)).filter((i) => re.test(i.key)).length;
          },
        };
      },
    },
  },
  {
    name: "keys compared case-insensitively",
    groups: ["kv/keys"],
    mustFail: ["kv/keys/case-sensitive"],
    breakage: {
      kv: (ikv) => ({
        getMany: (ns, keys, now) => ikv.getMany(ns, keys.map((k) => k.toLowerCase()), now),
        setMany: (ns, writes, now) => ikv.setMany(ns, writes.map((w) => ({ ...w, key: w.key.toLowerCase() })), now),
        deleteMany: (ns, deletes, now) => ikv.deleteMany(ns, deletes.map((d) => ({ ...d, key: d.key.toLowerCase() })), now),
      }),
    },
  },
  {
    name: "astral characters in values mangled (a utf8mb3-style column)",
    groups: ["kv/values"],
    mustFail: ["kv/values/strings"],
    breakage: {
      kv: (ikv) => ({
        setMany: (ns, writes, now) => ikv.setMany(ns, writes.map((w) => ({ ...w, value: w.value.replace(/[\u{10000}-\u{10FFFF}]/gu, "?") })), now),
      }),
    },
  },
  {
    name: "neighbors lists a self-loop twice for direction both",
    groups: ["graph/neighbors"],
    mustFail: ["graph/neighbors/both-order", "graph/neighbors/self-loop-in"],
    breakage: {
      graph: (ig) => ({
        async neighbors(graph, ids, query) {
          const lists = await ig.neighbors(graph, ids, query);
          if (query.direction !== "both") return lists;
          return lists.map((edges, i) => [...edges, ...edges.filter((e) => e.from === ids[i] && e.to === ids[i])]);
        },
      }),
    },
  },
  {
    name: "neighbors applies limit before ordering",
    groups: ["graph/neighbors"],
    mustFail: ["graph/neighbors/limit", "graph/neighbors/many"],
    breakage: {
      graph: (ig) => ({
        async neighbors(graph, ids, query) {
          const { limit, ...rest } = query;
          const lists = await ig.neighbors(graph, ids, rest);
          return limit === undefined ? lists : lists.map((edges) => edges.slice(-limit));
        },
      }),
    },
  },
  {
    name: "native traverse ignores the maxNodes cut",
    groups: ["graph/traverse", "model"],
    mustFail: ["graph/traverse/max-nodes", "graph/traverse/fanout-truncation", "model/graph"],
    breakage: {
      capabilities: { nativeTraversal: true },
      graph: (ig) => ({
        async traverse(graph, seeds, query) {
          const full = await coreTraverse(ig, graph, seeds, { ...query, maxNodes: 10_000_000 }, false);
          return { nodes: full.nodes.slice(0, query.maxNodes), edges: full.edges, truncated: false };
        },
      }),
    },
  },
  {
    name: "upsertEdges resets existing endpoint nodes",
    groups: ["graph/basic"],
    mustFail: ["graph/basic/bare-endpoints"],
    breakage: {
      graph: (ig) => ({
        async upsertEdges(graph, edges, mode) {
          const ends = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
          await ig.upsertNodes(graph, ends.map((id) => ({ id, props: "{}" })), "replace");
          return ig.upsertEdges(graph, edges, mode);
        },
      }),
    },
  },
  {
    name: "node upserts always replace (merge ignored)",
    groups: ["graph/basic", "model"],
    mustFail: ["graph/basic/merge-props", "model/graph"],
    breakage: { graph: (ig) => ({ upsertNodes: (graph, nodes) => ig.upsertNodes(graph, nodes, "replace") }) },
  },
  {
    name: "close() of one instance wipes the shared data",
    groups: ["lifecycle"],
    mustFail: ["lifecycle/close-one-instance"],
    breakage: {
      close: async (inner) => {
        await wipeEverything(inner);
        await inner.close();
      },
    },
  },
  {
    name: "the driver keeps working after close()",
    groups: ["lifecycle"],
    mustFail: ["lifecycle/driver-close"],
    breakage: { close: async () => {} },
  },
  {
    name: "declares shared but every instance has its own data",
    groups: ["multi-instance"],
    mustFail: ["multi-instance/cross-read", "multi-instance/cross-versions", "multi-instance/cross-update", "multi-instance/cross-graph"],
    breakage: { privateDatabase: true },
  },
  {
    name: "declares persistent but loses data on close",
    groups: ["lifecycle"],
    mustFail: ["lifecycle/reopen-kv", "lifecycle/reopen-graph"],
    breakage: { capabilities: { persistent: true }, privateDatabase: true },
  },
  {
    name: "writes treat expired entries as live (versions do not restart, ifAbsent conflicts)",
    groups: ["kv/ttl", "model"],
    mustFail: ["kv/ttl/version-restart", "kv/ttl/ifabsent-expired", "model/kv"],
    breakage: {
      kv: (ikv) => ({
        setMany: (ns, writes) => ikv.setMany(ns, writes, 0),
      }),
    },
  },
];

/** A driver aimed at nothing: every call fails after a short delay with `error()`. */
export function deadDriver(error: () => Error): Driver {
  const fail = async (): Promise<never> => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw error();
  };
  const kv: KvDriver = { getMany: fail, setMany: fail, deleteMany: fail, list: fail, count: fail, clear: fail, namespaces: fail };
  const graph: GraphDriver = {
    upsertNodes: fail,
    upsertEdges: fail,
    getNodes: fail,
    getEdges: fail,
    deleteNodes: fail,
    deleteEdges: fail,
    neighbors: fail,
    degree: fail,
    listNodes: fail,
    listEdges: fail,
    stats: fail,
    clear: fail,
    graphs: fail,
  };
  const capabilities = createMemoryDriver({ sweepIntervalMs: 0 }).capabilities;
  return { name: "dead", capabilities, kv, graph, ping: fail, close: async () => {} };
}

export const unavailable = () =>
  new UnavailableError("cannot reach postgres://app:***@127.0.0.1:1/db", { cause: new Error("connect ECONNREFUSED 127.0.0.1:1") });
