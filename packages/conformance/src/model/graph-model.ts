// The reference model of a graph: maps of nodes and edges, and the documented semantics of
// neighbors, traversal and paths written out plainly (never from core or a driver).

import { byteCompare, byteSorted, edgeCompare } from "../assert.ts";

export type Direction = "out" | "in" | "both";
export type ModelProps = Record<string, number>;

export interface ModelNode {
  readonly id: string;
  readonly type: string | null;
  readonly props: ModelProps;
}

export interface ModelEdge {
  readonly from: string;
  readonly type: string;
  readonly to: string;
  readonly props: ModelProps;
}

const edgeKey = (e: { from: string; type: string; to: string }) => `${e.from}\u0000${e.type}\u0000${e.to}`;

export class GraphModel {
  readonly nodes = new Map<string, ModelNode>();
  readonly edges = new Map<string, ModelEdge>();

  upsertNode(input: { id: string; type?: string | null; props?: ModelProps }, mode: "merge" | "replace"): void {
    const old = this.nodes.get(input.id);
    const props = input.props ?? {};
    if (mode === "replace" || !old) {
      this.nodes.set(input.id, { id: input.id, type: input.type ?? (mode === "merge" && old ? old.type : null), props: { ...props } });
    } else {
      this.nodes.set(input.id, { id: input.id, type: input.type === undefined ? old.type : input.type, props: { ...old.props, ...props } });
    }
  }

  upsertEdge(input: { from: string; type: string; to: string; props?: ModelProps }, mode: "merge" | "replace"): void {
    for (const id of [input.from, input.to]) if (!this.nodes.has(id)) this.nodes.set(id, { id, type: null, props: {} });
    const key = edgeKey(input);
    const old = this.edges.get(key);
    const props = mode === "merge" && old ? { ...old.props, ...(input.props ?? {}) } : { ...(input.props ?? {}) };
    this.edges.set(key, { from: input.from, type: input.type, to: input.to, props });
  }

  deleteNodes(ids: readonly string[]): number {
    let n = 0;
    for (const id of new Set(ids)) {
      if (!this.nodes.delete(id)) continue;
      n++;
      for (const [k, e] of this.edges) if (e.from === id || e.to === id) this.edges.delete(k);
    }
    return n;
  }

  deleteEdges(refs: readonly { from: string; type: string; to: string }[]): number {
    let n = 0;
    for (const key of new Set(refs.map(edgeKey))) if (this.edges.delete(key)) n++;
    return n;
  }

  /** Incident edges as `neighbors` lists them: out by (type, to), then in by (type, from), self-loops once. */
  incident(id: string, direction: Direction, types?: readonly string[]): ModelEdge[] {
    const all = [...this.edges.values()].filter((e) => !types || types.includes(e.type));
    const out = all.filter((e) => e.from === id).sort((a, b) => byteCompare(a.type, b.type) || byteCompare(a.to, b.to));
    const into = all.filter((e) => e.to === id).sort((a, b) => byteCompare(a.type, b.type) || byteCompare(a.from, b.from));
    if (direction === "out") return out;
    if (direction === "in") return into;
    return [...out, ...into.filter((e) => e.from !== id)];
  }

  /** Breadth-first by (depth, id) over the whole graph, cut at maxNodes (see the kit README). */
  traverse(seedIds: readonly string[], maxDepth: number, direction: Direction, types: readonly string[] | undefined, maxNodes: number) {
    const depth = new Map<string, number>();
    let frontier = byteSorted(new Set(seedIds)).filter((id) => this.nodes.has(id));
    for (const id of frontier) depth.set(id, 0);
    for (let d = 0; d < maxDepth && frontier.length > 0; d++) {
      const next = new Set<string>();
      for (const id of frontier) {
        for (const e of this.incident(id, direction, types)) {
          const other = e.from === id ? e.to : e.from;
          if (!depth.has(other)) next.add(other);
        }
      }
      frontier = byteSorted(next);
      for (const id of frontier) depth.set(id, d + 1);
    }
    const ordered = [...depth].sort((a, b) => a[1] - b[1] || byteCompare(a[0], b[0]));
    const kept = new Map(ordered.slice(0, maxNodes));
    const edges = new Map<string, ModelEdge>();
    for (const [id, d] of kept) {
      if (d >= maxDepth) continue;
      for (const e of this.incident(id, direction, types)) {
        if (kept.has(e.from === id ? e.to : e.from)) edges.set(edgeKey(e), e);
      }
    }
    return {
      nodes: [...kept].map(([id, d]) => ({ ...(this.nodes.get(id) as ModelNode), depth: d })),
      edges: [...edges.values()].sort(edgeCompare),
      truncated: ordered.length > maxNodes,
    };
  }

  /** Every simple path of at most maxDepth edges, shortest first, then by edge keys. */
  paths(from: string, to: string, maxDepth: number, direction: Direction, types: readonly string[] | undefined) {
    if (!this.nodes.has(from)) return [];
    if (from === to) return [{ nodes: [from], edges: [] as ModelEdge[] }];
    const found: { nodes: string[]; edges: ModelEdge[] }[] = [];
    const walk = (nodes: string[], edges: ModelEdge[]) => {
      if (edges.length >= maxDepth) return;
      const last = nodes[nodes.length - 1] as string;
      for (const e of this.incident(last, direction, types)) {
        const other = e.from === last ? e.to : e.from;
        if (nodes.includes(other)) continue;
        if (other === to) found.push({ nodes: [...nodes, other], edges: [...edges, e] });
        else walk([...nodes, other], [...edges, e]);
      }
    };
    walk([from], []);
    return found.sort((a, b) => {
      if (a.edges.length !== b.edges.length) return a.edges.length - b.edges.length;
      for (let i = 0; i < a.edges.length; i++) {
        const c = edgeCompare(a.edges[i] as ModelEdge, b.edges[i] as ModelEdge);
        if (c !== 0) return c;
      }
      return 0;
    });
  }
}
