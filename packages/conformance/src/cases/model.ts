// model: random command sequences (fast-check) run against the driver and against the kit's
// reference models, compared after every step. fast-check prints the seed and the shrunk
// sequence on failure; STOWAGE_KIT_SEED replays a seed, STOWAGE_KIT_MODEL_RUNS sets the number
// of runs (default 30).

import fc from "fast-check";
import type { Graph, KV } from "@stowage/core";
import { expect } from "vitest";
import { byteCompare, collect, edgeCompare, type KitError } from "../assert.ts";
import { GraphModel, type Direction, type ModelProps } from "../model/graph-model.ts";
import { type Condition, KvModel, type ModelWrite } from "../model/kv-model.ts";
import type { CaseContext, CaseDef } from "../types.ts";

export function runParameters(): fc.Parameters<unknown> {
  const runs = Number(process.env.STOWAGE_KIT_MODEL_RUNS ?? 30);
  const seed = process.env.STOWAGE_KIT_SEED === undefined ? undefined : Number(process.env.STOWAGE_KIT_SEED);
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : 30,
    ...(seed === undefined ? {} : { seed }),
    // Shrinking against a network driver is slow: stop looking for a smaller case after a while.
    interruptAfterTimeLimit: 60_000,
    markInterruptAsFailure: false,
    includeErrorInReport: true,
  };
}

/** "step i {command}: message", with the compared values spelled out (assertion messages elide them). */
export function stepError(i: number, command: unknown, error: unknown): Error {
  const e = error as { message?: string; actual?: unknown; expected?: unknown };
  const show = (v: unknown) => {
    try {
      return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x === undefined ? "(undefined)" : x));
    } catch {
      return String(v);
    }
  };
  const detail = "actual" in (e ?? {}) ? `\n  got:      ${show(e.actual)}\n  expected: ${show(e.expected)}` : "";
  return new Error(`step ${i} ${JSON.stringify(command)}: ${e?.message ?? String(error)}${detail}`, { cause: error });
}

/** Runs `fn`; returns its result or the ConflictError's keys (sorted), and rethrows anything else. */
async function outcome<T>(fn: () => Promise<T>): Promise<{ ok: T } | { conflict: string[] }> {
  try {
    return { ok: await fn() };
  } catch (error) {
    const e = error as KitError;
    if (e?.code === "CONFLICT") return { conflict: [...(e.keys ?? [])].sort() };
    throw error;
  }
}

// ---------------------------------------------------------------- KV

const KEYS = ["a", "ab", "b", "A", "\uFFFD", "😀", "%"];
const PREFIXES = ["", "a", "b", "%", "\uFFFD", "😀"];
const TTLS = [1000, 2000, 5000];
const ADVANCES = [0, 999, 1000, 1001, 3000];

type KvCommand =
  | { op: "set"; key: string; value: number; ttlMs?: number }
  | { op: "setIf"; key: string; value: number; cond: Condition }
  | { op: "delete"; key: string }
  | { op: "deleteIfVersion"; key: string; delta: number }
  | { op: "setMany"; items: ModelWrite[] }
  | { op: "deleteMany"; keys: string[] }
  | { op: "update"; key: string }
  | { op: "advance"; ms: number }
  | { op: "get"; key: string }
  | { op: "getMany"; keys: string[] }
  | { op: "list"; prefix: string; limit: number }
  | { op: "count"; prefix: string };

function kvCommands(caps: { ttl: boolean; cas: boolean; atomicBatches: boolean }): fc.Arbitrary<KvCommand[]> {
  const key = fc.constantFrom(...KEYS);
  const value = fc.integer({ min: 0, max: 999 });
  const ttl = caps.ttl ? fc.option(fc.constantFrom(...TTLS), { nil: undefined }) : fc.constant(undefined);
  const cond: fc.Arbitrary<Condition> = fc.oneof(
    fc.record({ kind: fc.constant("ifVersion" as const), delta: fc.integer({ min: -1, max: 1 }) }),
    fc.constant({ kind: "ifAbsent" as const }),
  );
  const item = fc
    .record({ key, value, ttlMs: ttl, cond: caps.cas && caps.atomicBatches ? fc.option(cond, { nil: undefined, freq: 3 }) : fc.constant(undefined) })
    .map((w) => clean(w) as ModelWrite);
  const commands: fc.Arbitrary<KvCommand>[] = [
    fc.record({ op: fc.constant("set" as const), key, value, ttlMs: ttl }).map((c) => clean(c) as KvCommand),
    fc.record({ op: fc.constant("delete" as const), key }),
    fc.record({ op: fc.constant("setMany" as const), items: fc.uniqueArray(item, { minLength: 1, maxLength: 5, selector: (w) => w.key }) }),
    fc.record({ op: fc.constant("deleteMany" as const), keys: fc.array(key, { minLength: 1, maxLength: 4 }) }),
    fc.record({ op: fc.constant("get" as const), key }),
    fc.record({ op: fc.constant("getMany" as const), keys: fc.array(key, { minLength: 1, maxLength: 5 }) }),
    fc.record({ op: fc.constant("list" as const), prefix: fc.constantFrom(...PREFIXES), limit: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ op: fc.constant("count" as const), prefix: fc.constantFrom(...PREFIXES) }),
  ];
  if (caps.cas) {
    commands.push(
      fc.record({ op: fc.constant("setIf" as const), key, value, cond }),
      fc.record({ op: fc.constant("deleteIfVersion" as const), key, delta: fc.integer({ min: -1, max: 1 }) }),
      fc.record({ op: fc.constant("update" as const), key }),
    );
  }
  if (caps.ttl) commands.push(fc.record({ op: fc.constant("advance" as const), ms: fc.constantFrom(...ADVANCES) }));
  // Long sequences over few keys: bugs need a write, a state change and a read of the same key.
  return fc.array(fc.oneof(...commands), { minLength: 1, maxLength: 50, size: "max" });
}

/** Drops undefined fields (fc.option gives them), so commands print cleanly. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function toSetItem(w: ModelWrite, m: KvModel) {
  return {
    key: w.key,
    value: w.value,
    ...(w.ttlMs === undefined ? {} : { ttlMs: w.ttlMs }),
    ...(w.cond?.kind === "ifAbsent" ? { ifAbsent: true } : {}),
    ...(w.cond?.kind === "ifVersion" ? { ifVersion: m.conditionVersion(w.key, w.cond.delta) } : {}),
  };
}

async function kvStep(kv: KV<number>, m: KvModel, c: KvCommand, t: CaseContext): Promise<void> {
  switch (c.op) {
    case "set": {
      const got = await kv.set(c.key, c.value, c.ttlMs === undefined ? undefined : { ttlMs: c.ttlMs });
      const want = m.setMany([c]);
      expect(got).toBe(want.ok ? want.versions[0] : "conflict");
      return;
    }
    case "setIf":
    case "setMany": {
      const writes = c.op === "setIf" ? [{ key: c.key, value: c.value, cond: c.cond }] : c.items;
      const items = writes.map((w) => toSetItem(w, m));
      const got = await outcome(() => kv.setMany(items));
      const want = m.setMany(writes);
      expect(got).toEqual(want.ok ? { ok: want.versions } : { conflict: [...want.conflicts].sort() });
      return;
    }
    case "delete":
      expect(await kv.delete(c.key)).toBe(m.deleteMany([c.key]) === 1);
      return;
    case "deleteIfVersion": {
      const version = m.conditionVersion(c.key, c.delta);
      const got = await outcome(() => kv.delete(c.key, { ifVersion: version }));
      const want = m.deleteIfVersion(c.key, version);
      expect(got).toEqual(want === "conflict" ? { conflict: [c.key] } : { ok: want });
      return;
    }
    case "deleteMany":
      expect(await kv.deleteMany(c.keys)).toBe(m.deleteMany(c.keys));
      return;
    case "update": {
      // Nothing else writes this namespace: the first attempt must succeed.
      const got = await kv.update(c.key, (n) => (n ?? 0) + 1, { maxAttempts: 1 });
      const live = m.live(c.key);
      const expiresAt = live?.expiresAt ?? null;
      const version = (live?.version ?? 0) + 1;
      m.entries.set(c.key, { value: (live?.value ?? 0) + 1, version, expiresAt });
      expect(got).toEqual({ key: c.key, value: (live?.value ?? 0) + 1, version, expiresAt });
      return;
    }
    case "advance":
      t.clock.advance(c.ms);
      m.now += c.ms;
      return;
    case "get": {
      const live = m.live(c.key);
      expect(await kv.getEntry(c.key)).toEqual(live && { key: c.key, value: live.value, version: live.version, expiresAt: live.expiresAt });
      return;
    }
    case "getMany":
      expect(await kv.getMany(c.keys)).toEqual(c.keys.map((k) => m.live(k)?.value));
      return;
    case "list": {
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await kv.list({ prefix: c.prefix, limit: c.limit, ...(cursor ? { cursor } : {}) });
        keys.push(...page.items);
        cursor = page.cursor;
      } while (cursor && keys.length < 100);
      expect(keys).toEqual(m.keys(c.prefix));
      return;
    }
    case "count":
      expect(await kv.count({ prefix: c.prefix })).toBe(m.keys(c.prefix).length);
      return;
  }
}

// ---------------------------------------------------------------- graph

const IDS = ["a", "b", "c", "e:f", "😀"];
const EDGE_TYPES = ["x", "y", "x:y"];
const NODE_TYPES = [undefined, undefined, null, "P", "Q"];

type GraphCommand =
  | { op: "upsertNodes"; nodes: { id: string; type?: string | null; props?: ModelProps }[]; mode: "merge" | "replace" }
  | { op: "upsertEdges"; edges: { from: string; type: string; to: string; props?: ModelProps }[]; mode: "merge" | "replace" }
  | { op: "deleteNodes"; ids: string[] }
  | { op: "deleteEdges"; refs: { from: string; type: string; to: string }[] }
  | { op: "getNodes"; ids: string[] }
  | { op: "neighbors"; id: string; direction: Direction; types?: string[]; limit?: number }
  | { op: "degree"; id: string; direction: Direction; types?: string[] }
  | { op: "traverse"; seeds: string[]; maxDepth: number; direction: Direction; types?: string[]; maxNodes: number }
  | { op: "paths"; from: string; to: string; maxDepth: number; direction: Direction; maxPaths: number }
  | { op: "list"; nodeType?: string; edgeType?: string };

function graphCommands(): fc.Arbitrary<GraphCommand[]> {
  const id = fc.constantFrom(...IDS);
  const etype = fc.constantFrom(...EDGE_TYPES);
  const direction = fc.constantFrom<Direction>("out", "in", "both");
  const types = fc.option(fc.uniqueArray(etype, { minLength: 1, maxLength: 2 }), { nil: undefined });
  const props = fc.option(fc.dictionary(fc.constantFrom("p", "q", "r"), fc.integer({ min: 0, max: 9 }), { maxKeys: 2 }), { nil: undefined });
  const mode = fc.constantFrom<"merge" | "replace">("merge", "replace");
  const ref = fc.record({ from: id, type: etype, to: id });
  return fc.array(
    fc.oneof(
      fc.record({ op: fc.constant("upsertNodes" as const), nodes: fc.array(fc.record({ id, type: fc.constantFrom(...NODE_TYPES), props }).map(clean), { minLength: 1, maxLength: 3 }), mode }),
      fc.record({ op: fc.constant("upsertEdges" as const), edges: fc.array(fc.record({ from: id, type: etype, to: id, props }).map(clean), { minLength: 1, maxLength: 4 }), mode }),
      fc.record({ op: fc.constant("upsertEdges" as const), edges: fc.array(fc.record({ from: id, type: etype, to: id, props }).map(clean), { minLength: 1, maxLength: 4 }), mode }),
      fc.record({ op: fc.constant("deleteNodes" as const), ids: fc.array(id, { minLength: 1, maxLength: 2 }) }),
      fc.record({ op: fc.constant("deleteEdges" as const), refs: fc.array(ref, { minLength: 1, maxLength: 3 }) }),
      fc.record({ op: fc.constant("getNodes" as const), ids: fc.array(id, { minLength: 1, maxLength: 3 }) }),
      fc.record({ op: fc.constant("neighbors" as const), id, direction, types, limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }).map(clean),
      fc.record({ op: fc.constant("degree" as const), id, direction, types }).map(clean),
      fc.record({
        op: fc.constant("traverse" as const),
        seeds: fc.array(id, { minLength: 1, maxLength: 2 }),
        maxDepth: fc.integer({ min: 0, max: 3 }),
        direction,
        types,
        maxNodes: fc.integer({ min: 1, max: 7 }),
      }).map(clean),
      fc.record({ op: fc.constant("paths" as const), from: id, to: id, maxDepth: fc.integer({ min: 0, max: 3 }), direction, maxPaths: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ op: fc.constant("list" as const), nodeType: fc.option(fc.constantFrom("P", "Q"), { nil: undefined }), edgeType: fc.option(etype, { nil: undefined }) }).map(clean),
    ),
    { minLength: 1, maxLength: 40, size: "max" },
  );
}

const edgeView = (e: { from: string; type: string; to: string; props: unknown }) => ({ from: e.from, type: e.type, to: e.to, props: e.props });

async function graphStep(g: Graph, m: GraphModel, c: GraphCommand): Promise<void> {
  switch (c.op) {
    case "upsertNodes":
      await g.upsertNodes(c.nodes, { mode: c.mode });
      for (const n of c.nodes) m.upsertNode(n, c.mode);
      return;
    case "upsertEdges":
      await g.upsertEdges(c.edges, { mode: c.mode });
      for (const e of c.edges) m.upsertEdge(e, c.mode);
      return;
    case "deleteNodes":
      expect(await g.deleteNodes(c.ids)).toBe(m.deleteNodes(c.ids));
      return;
    case "deleteEdges":
      expect(await g.deleteEdges(c.refs)).toBe(m.deleteEdges(c.refs));
      return;
    case "getNodes":
      expect(await g.getNodes(c.ids)).toEqual(c.ids.map((id) => m.nodes.get(id)));
      return;
    case "neighbors": {
      const got = await g.neighbors(c.id, { direction: c.direction, ...(c.types ? { types: c.types } : {}), ...(c.limit ? { limit: c.limit } : {}) });
      const want = m.incident(c.id, c.direction, c.types).slice(0, c.limit ?? Number.POSITIVE_INFINITY);
      expect(got.map((n) => edgeView(n.edge))).toEqual(want.map(edgeView));
      expect(got.map((n) => n.id)).toEqual(want.map((e) => (e.from === c.id ? e.to : e.from)));
      return;
    }
    case "degree":
      expect(await g.degree(c.id, { direction: c.direction, ...(c.types ? { types: c.types } : {}) })).toBe(m.incident(c.id, c.direction, c.types).length);
      return;
    case "traverse": {
      const got = await g.traverse(c.seeds, { maxDepth: c.maxDepth, direction: c.direction, maxNodes: c.maxNodes, ...(c.types ? { types: c.types } : {}) });
      const want = m.traverse(c.seeds, c.maxDepth, c.direction, c.types, c.maxNodes);
      expect({ nodes: got.nodes, edges: got.edges.map(edgeView), truncated: got.truncated }).toEqual({ ...want, edges: want.edges.map(edgeView) });
      return;
    }
    case "paths": {
      const options = { maxDepth: c.maxDepth, direction: c.direction };
      const all = m.paths(c.from, c.to, c.maxDepth, c.direction, undefined);
      const got = await g.findPaths(c.from, c.to, { ...options, maxPaths: c.maxPaths });
      const view = (p: { nodes: string[]; edges: { from: string; type: string; to: string; props: unknown }[] }) => ({ nodes: p.nodes, edges: p.edges.map(edgeView) });
      expect(got.map(view)).toEqual(all.slice(0, c.maxPaths).map(view));
      const shortest = await g.shortestPath(c.from, c.to, options);
      expect(shortest && view(shortest)).toEqual(all[0] && view(all[0]));
      return;
    }
    case "list": {
      const nodes = await collect(g.nodes({ pageSize: 2, ...(c.nodeType ? { type: c.nodeType } : {}) }));
      const wantNodes = [...m.nodes.values()].filter((n) => !c.nodeType || n.type === c.nodeType).sort((a, b) => byteCompare(a.id, b.id));
      expect(nodes).toEqual(wantNodes);
      const edges = await collect(g.edges({ pageSize: 3, ...(c.edgeType ? { type: c.edgeType } : {}) }));
      const wantEdges = [...m.edges.values()].filter((e) => !c.edgeType || e.type === c.edgeType).sort(edgeCompare);
      expect(edges.map(edgeView)).toEqual(wantEdges.map(edgeView));
      expect(await g.stats()).toEqual({ nodes: m.nodes.size, edges: m.edges.size });
      return;
    }
  }
}

export const modelCases: CaseDef[] = [
  {
    id: "kv",
    title: "random KV command sequences match the reference model step by step (fast-check)",
    timeoutMs: 180_000,
    async run(t) {
      const kv = t.kv<number>();
      const caps = t.capabilities;
      t.clock.freeze();
      await fc.assert(
        fc.asyncProperty(kvCommands(caps), async (commands) => {
          await kv.clear();
          t.clock.advance(10_000); // every run starts later than anything the previous one wrote
          const model = new KvModel(t.clock.now());
          for (const [i, command] of commands.entries()) {
            try {
              await kvStep(kv, model, command, t);
            } catch (error) {
              throw stepError(i, command, error);
            }
          }
        }),
        runParameters(),
      );
    },
  },
  {
    id: "graph",
    title: "random graph command sequences match the reference model step by step (fast-check)",
    needs: ["graph"],
    timeoutMs: 180_000,
    async run(t) {
      const g = t.graph<ModelProps, ModelProps>();
      await fc.assert(
        fc.asyncProperty(graphCommands(), async (commands) => {

          await g.clear();
          const model = new GraphModel();
          for (const [i, command] of commands.entries()) {
            try {
              await graphStep(g as unknown as Graph, model, command);
            } catch (error) {
              throw stepError(i, command, error);
            }
          }
        }),
        runParameters(),
      );
    },
  },
];
