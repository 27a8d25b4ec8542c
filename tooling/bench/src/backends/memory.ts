// Memory: stowage's in-process driver against hand-written Maps of JSON text. The ratio is the
// cost of core (validation, codec, batching) plus the memory driver's bookkeeping (versions,
// expiry, sorted index): there is no database time to hide it.

import { createStore } from "@stowage/core";
import { createMemoryDriver } from "@stowage/memory";
import type { Backend } from "../backend.ts";
import type {
  BenchEdge,
  BenchNode,
  BenchValue,
  NeighborOutcome,
  RawOps,
  TraverseOutcome,
} from "../scenarios.ts";

interface RawEdge {
  from: string;
  type: string;
  to: string;
  props: string;
}

interface RawGraph {
  nodes: Map<string, { type: string | null; props: string }>;
  out: Map<string, Map<string, RawEdge>>;
  in: Map<string, Map<string, RawEdge>>;
}

function byteOrder(a: string, b: string): number {
  // Bench keys and ids are ASCII, where UTF-16 order is UTF-8 byte order.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First index whose key is > `after` in a sorted array. */
function upperBound(keys: readonly string[], after: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((keys[mid] as string) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class RawMemory implements RawOps {
  readonly #kv = new Map<string, Map<string, string>>();
  readonly #sorted = new Map<string, string[]>();
  readonly #graphs = new Map<string, RawGraph>();

  #ns(ns: string): Map<string, string> {
    let m = this.#kv.get(ns);
    if (!m) this.#kv.set(ns, (m = new Map()));
    return m;
  }

  #write(ns: string, key: string, value: BenchValue): void {
    const m = this.#ns(ns);
    if (!m.has(key)) {
      let keys = this.#sorted.get(ns);
      if (!keys) this.#sorted.set(ns, (keys = []));
      keys.splice(upperBound(keys, key), 0, key);
    }
    m.set(key, JSON.stringify(value));
  }

  async set(ns: string, key: string, value: BenchValue): Promise<void> {
    this.#write(ns, key, value);
  }

  async get(ns: string, key: string): Promise<BenchValue | undefined> {
    const text = this.#kv.get(ns)?.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as BenchValue);
  }

  async setMany(ns: string, items: readonly { key: string; value: BenchValue }[]): Promise<void> {
    for (const { key, value } of items) this.#write(ns, key, value);
  }

  async getMany(ns: string, keys: readonly string[]): Promise<(BenchValue | undefined)[]> {
    const m = this.#kv.get(ns);
    return keys.map((k) => {
      const text = m?.get(k);
      return text === undefined ? undefined : (JSON.parse(text) as BenchValue);
    });
  }

  async listPage(ns: string, after: string | undefined, limit: number): Promise<string[]> {
    const keys = this.#sorted.get(ns) ?? [];
    const from = after === undefined ? 0 : upperBound(keys, after);
    return keys.slice(from, from + limit);
  }

  async update(ns: string, key: string, fn: (old: BenchValue) => BenchValue): Promise<void> {
    const old = await this.get(ns, key);
    this.#write(ns, key, fn(old as BenchValue));
  }

  #graph(name: string): RawGraph {
    let g = this.#graphs.get(name);
    if (!g) this.#graphs.set(name, (g = { nodes: new Map(), out: new Map(), in: new Map() }));
    return g;
  }

  async upsertNodes(graph: string, nodes: readonly BenchNode[]): Promise<void> {
    const g = this.#graph(graph);
    for (const n of nodes) {
      const old = g.nodes.get(n.id);
      const props = old ? mergeProps(old.props, n.props) : JSON.stringify(n.props);
      g.nodes.set(n.id, { type: n.type, props });
    }
  }

  async upsertEdges(graph: string, edges: readonly BenchEdge[]): Promise<void> {
    const g = this.#graph(graph);
    for (const e of edges) {
      for (const id of [e.from, e.to])
        if (!g.nodes.has(id)) g.nodes.set(id, { type: null, props: "{}" });
      let out = g.out.get(e.from);
      if (!out) g.out.set(e.from, (out = new Map()));
      const outKey = `${e.type}\u0000${e.to}`;
      const old = out.get(outKey);
      const edge: RawEdge = {
        from: e.from,
        type: e.type,
        to: e.to,
        props: old ? mergeProps(old.props, e.props) : JSON.stringify(e.props),
      };
      out.set(outKey, edge);
      let inn = g.in.get(e.to);
      if (!inn) g.in.set(e.to, (inn = new Map()));
      inn.set(`${e.type}\u0000${e.from}`, edge);
    }
  }

  #sortedEdges(adjacency: Map<string, RawEdge> | undefined): [string, RawEdge][] {
    return adjacency ? [...adjacency.entries()].sort((a, b) => byteOrder(a[0], b[0])) : [];
  }

  async neighbors(graph: string, id: string, limit?: number): Promise<NeighborOutcome[]> {
    const g = this.#graph(graph);
    const out: NeighborOutcome[] = [];
    for (const [, e] of this.#sortedEdges(g.out.get(id)))
      out.push({ id: e.to, direction: "out", edge: decodeEdge(e) });
    for (const [, e] of this.#sortedEdges(g.in.get(id))) {
      if (e.from !== id) out.push({ id: e.from, direction: "in", edge: decodeEdge(e) });
    }
    return limit === undefined ? out : out.slice(0, limit);
  }

  async traverse(graph: string, seed: string, maxDepth: number): Promise<TraverseOutcome> {
    const g = this.#graph(graph);
    if (!g.nodes.has(seed)) return { nodes: [], edges: [] };
    const depth = new Map<string, number>([[seed, 0]]);
    const edges: RawEdge[] = [];
    let level = [seed];
    for (let d = 0; d < maxDepth && level.length > 0; d++) {
      const next: string[] = [];
      for (const id of level) {
        for (const e of g.out.get(id)?.values() ?? []) {
          if (!depth.has(e.to)) {
            depth.set(e.to, d + 1);
            next.push(e.to);
          }
          edges.push(e);
        }
      }
      level = next;
    }
    const nodes = [...depth]
      .sort((a, b) => a[1] - b[1] || byteOrder(a[0], b[0]))
      .map(([id, dep]) => {
        const n = g.nodes.get(id);
        return {
          id,
          type: n?.type ?? null,
          props: JSON.parse(n?.props ?? "{}") as unknown,
          depth: dep,
        };
      });
    edges.sort(
      (a, b) => byteOrder(a.from, b.from) || byteOrder(a.type, b.type) || byteOrder(a.to, b.to),
    );
    return { nodes, edges: edges.map(decodeEdge) };
  }
}

function mergeProps(old: string, next: object): string {
  return JSON.stringify({ ...(JSON.parse(old) as object), ...next });
}

function decodeEdge(e: RawEdge): NeighborOutcome["edge"] {
  return { from: e.from, type: e.type, to: e.to, props: JSON.parse(e.props) as unknown };
}

export const memoryBackend: Backend = {
  name: "memory",
  async open() {
    const store = createStore(createMemoryDriver({ sweepIntervalMs: 0 }));
    return {
      store,
      raw: new RawMemory(),
      detail: "in-process; raw = JSON text in Maps",
      async close() {},
    };
  },
};
