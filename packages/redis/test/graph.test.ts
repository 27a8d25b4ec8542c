// Redis-specific graph behaviour: key layout and cleanup, atomic cascades, native traversal equal
// to core's reference walk, listing across type boundaries, large batches.
import { randomUUID } from "node:crypto";
import { compareEdgeKeys, compareUtf8, createStore, type Store, traverse } from "@stowage/core";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisDriver } from "../src/index.ts";
import { deletePrefix, rawClient, testRedisUrl, uniquePrefix, keysUnder } from "./db.ts";
import { startPrivateServer } from "./private-server.ts";

const url = testRedisUrl();
const prefix = uniquePrefix("graph");
let raw: Redis;
let store: Store;
const driver = () => createRedisDriver({ url, prefix });

function gname(): string {
  return `g-${randomUUID().slice(0, 8)}`;
}

beforeAll(() => {
  raw = rawClient(url);
  store = createStore(driver());
});

afterAll(async () => {
  await store.close();
  await deletePrefix(url, prefix);
  raw.disconnect();
});

/** Tiny deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("redis graph layout", () => {
  it("keeps every key of a graph under its hash tag and leaves nothing behind", async () => {
    const name = gname();
    const g = store.graph(name);
    await g.upsertNodes([{ id: "{a}", type: "T:{x}", props: { n: 1 } }, { id: "b" }]);
    await g.upsertEdges([
      { from: "{a}", type: "r", to: "b", props: { w: 2 } },
      { from: "b", type: "r", to: "b" },
      { from: "b", type: "s", to: "c:{d}" },
    ]);
    const keys = await keysUnder(raw, `${prefix}:g:*`);
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) {
      const open = key.indexOf("{");
      expect(key.slice(open + 1, key.indexOf("}", open))).toBe(name);
    }
    expect(await store.graphs()).toContain(name);
    expect(await g.deleteNodes(["{a}", "b", "c:{d}", "missing"])).toBe(3);
    expect(await g.stats()).toEqual({ nodes: 0, edges: 0 });
    expect(await keysUnder(raw, `${prefix}:g:{${name}}:*`)).toEqual([]);
    expect(await store.graphs()).not.toContain(name);
    expect(await raw.zscore(`${prefix}:graphs`, name)).toBeNull();
  });

  it("re-registers a graph that another driver cleared and forgot meanwhile", async () => {
    const other = createStore(driver());
    try {
      const name = gname();
      await store.graph(name).upsertNode({ id: "a" });
      await other.graph(name).clear();
      expect(await other.graphs()).not.toContain(name);
      await store.graph(name).upsertEdge({ from: "a", type: "r", to: "b" });
      expect(await other.graphs()).toContain(name);
      await other.graph(name).deleteNodes(["a", "b"]);
      expect(await other.graphs()).not.toContain(name);
      await store.graph(name).upsertNode({ id: "c" });
      expect(await other.graphs()).toContain(name);
      await store.graph(name).clear();
    } finally {
      await other.close();
    }
  });

  it("merges props key by key and keeps or replaces the type", async () => {
    const g = store.graph(gname());
    await g.upsertNode({
      id: "n",
      type: "person",
      props: { a: 1, nested: { x: 1, y: 2 }, big: 2n ** 70n },
    });
    await g.upsertNode({ id: "n", props: { nested: { x: 3 }, b: [1, { c: "{}" }] } });
    expect(await g.getNode("n")).toEqual({
      id: "n",
      type: "person",
      props: { a: 1, nested: { x: 3 }, big: 2n ** 70n, b: [1, { c: "{}" }] },
    });
    await g.upsertNode({ id: "n", props: { only: true } }, { mode: "replace" });
    expect(await g.getNode("n")).toEqual({ id: "n", type: null, props: { only: true } });
    expect((await g.listNodes({ type: "person" })).items).toEqual([]);
    await g.upsertNode({ id: "n", type: "robot" });
    expect((await g.listNodes({ type: "robot" })).items.map((n) => n.id)).toEqual(["n"]);
    await g.upsertEdge({ from: "n", type: "knows", to: "m", props: { since: new Date(0), w: 1 } });
    await g.upsertEdge({ from: "n", type: "knows", to: "m", props: { w: 2 } });
    expect(await g.getEdge("n", "knows", "m")).toEqual({
      from: "n",
      type: "knows",
      to: "m",
      props: { since: new Date(0), w: 2 },
    });
    await g.upsertEdge({ from: "n", type: "knows", to: "m" }, { mode: "replace" });
    expect(await g.getEdge("n", "knows", "m")).toEqual({
      from: "n",
      type: "knows",
      to: "m",
      props: {},
    });
    expect(await g.getNode("m")).toEqual({ id: "m", type: null, props: {} });
    expect(await g.getEdge("m", "knows", "n")).toBeUndefined();
  });
});

describe("redis graph props in adjacency members", () => {
  it("keeps one member per edge through merges, replaces and deletes, with awkward prop names and values", async () => {
    const name = gname();
    const g = store.graph(name);
    const awkward = {
      'a"\n\t,}:': 'x\ny\t}{,"',
      __proto__x: { nested: [1, "}", { "\t": null }] },
      " ": 0.1,
      "ü€𝄞": "𝄞",
      n: 1e21,
    };
    await g.upsertEdge({ from: "s", type: "t", to: "o", props: awkward });
    await g.upsertEdge({ from: "s", type: "t", to: "o", props: { n: 2, added: true } });
    const merged = { ...awkward, n: 2, added: true };
    expect((await g.getEdge("s", "t", "o"))?.props).toEqual(merged);
    expect(Object.keys((await g.getEdge("s", "t", "o"))?.props ?? {})).toEqual(Object.keys(merged));
    expect((await g.neighbors("s")).map((n) => n.edge.props)).toEqual([merged]);
    expect(
      (await g.neighbors("o", { direction: "in", limit: 5 })).map((n) => n.edge.props),
    ).toEqual([merged]);
    await g.upsertEdge({ from: "s", type: "t", to: "o" }, { mode: "replace" });
    expect((await g.neighbors("o", { direction: "in" })).map((n) => n.edge.props)).toEqual([{}]);
    await g.upsertEdge({ from: "s", type: "t", to: "o", props: { w: 1 } });
    expect(await g.degree("s", { direction: "both" })).toBe(1);
    expect(await g.degree("o", { direction: "both" })).toBe(1);
    // A node's adjacency: its members in the graph's "out" or "in" set ("<id>\0<type>\0…").
    const members = async (key: string) => {
      const [dir, id] = key.split(":") as [string, string];
      const set = `${prefix}:g:{${name}}:${dir === "o" ? "out" : "in"}`;
      return raw.zrangebylex(set, `[${id}\u0000`, `(${id}\u0001`);
    };
    expect(await members("o:s")).toHaveLength(1);
    expect(await members("i:o")).toHaveLength(1);
    // The same props again, merged or replacing: nothing changes.
    const before = [await members("o:s"), await members("i:o")];
    await g.upsertEdge({ from: "s", type: "t", to: "o", props: { w: 1 } });
    await g.upsertEdge({ from: "s", type: "t", to: "o", props: { w: 1 } }, { mode: "replace" });
    expect([await members("o:s"), await members("i:o")]).toEqual(before);
    expect((await g.getEdge("s", "t", "o"))?.props).toEqual({ w: 1 });
    expect(await g.deleteEdge("s", "t", "o")).toBe(true);
    expect(await members("o:s")).toEqual([]);
    expect(await members("i:o")).toEqual([]);
    await g.upsertEdges([
      { from: "s", type: "t", to: "s", props: { loop: 1 } },
      { from: "o", type: "t", to: "s", props: { in: 1 } },
    ]);
    expect(await g.deleteNode("s")).toBe(true);
    expect(await members("o:o")).toEqual([]);
    expect((await g.stats()).edges).toBe(0);
    await g.clear();
  });

  it("takes props text with whitespace (as other backends export it) and merges it with compact text", async () => {
    const name = gname();
    const d = createRedisDriver({ url, prefix });
    try {
      const graph = d.graph!;
      await graph.upsertEdges(
        name,
        [{ from: "a", type: "t", to: "b", props: '{ "x" : [1, {"y": "a b"}],\n"z":\t1 }' }],
        "merge",
      );
      await graph.upsertEdges(
        name,
        [{ from: "a", type: "t", to: "b", props: '{"z":2,"w":"}"}' }],
        "merge",
      );
      const [edge] = await graph.getEdges(name, [{ from: "a", type: "t", to: "b" }]);
      expect(JSON.parse(edge!.props)).toEqual({ x: [1, { y: "a b" }], z: 2, w: "}" });
      expect(Object.keys(JSON.parse(edge!.props))).toEqual(["x", "z", "w"]);
      const [listed] = await graph.neighbors(name, ["b"], { direction: "in" });
      expect(listed?.[0]?.props).toBe(edge?.props);
      await graph.clear(name);
    } finally {
      await d.close();
    }
  });
});

describe("redis graph neighbours and listing", () => {
  it("orders neighbours by (type, other id), lists a self-loop once with both, counts degree alike", async () => {
    const g = store.graph(gname());
    await g.upsertEdges([
      { from: "x", type: "b", to: "z" },
      { from: "x", type: "a", to: "z" },
      { from: "x", type: "a", to: "y" },
      { from: "x", type: "a", to: "x" },
      { from: "w", type: "a", to: "x" },
      { from: "x", type: "b", to: "x" },
      { from: "v", type: "c", to: "x" },
    ]);
    const ids = (list: { id: string; edge: { type: string } }[]) =>
      list.map((n) => `${n.edge.type}:${n.id}`);
    expect(ids(await g.neighbors("x", { direction: "out" }))).toEqual([
      "a:x",
      "a:y",
      "a:z",
      "b:x",
      "b:z",
    ]);
    expect(ids(await g.neighbors("x", { direction: "in" }))).toEqual(["a:w", "a:x", "b:x", "c:v"]);
    expect(ids(await g.neighbors("x", { direction: "both" }))).toEqual([
      "a:x",
      "a:y",
      "a:z",
      "b:x",
      "b:z",
      "a:w",
      "c:v",
    ]);
    expect(ids(await g.neighbors("x", { direction: "both", types: ["c", "a"] }))).toEqual([
      "a:x",
      "a:y",
      "a:z",
      "a:w",
      "c:v",
    ]);
    expect(ids(await g.neighbors("x", { direction: "both", limit: 6 }))).toEqual([
      "a:x",
      "a:y",
      "a:z",
      "b:x",
      "b:z",
      "a:w",
    ]);
    expect(ids(await g.neighbors("x", { direction: "in", limit: 2, types: ["b", "c"] }))).toEqual([
      "b:x",
      "c:v",
    ]);
    expect(await g.degree("x", { direction: "both" })).toBe(7);
    expect(await g.degree("x", { direction: "both", types: ["b"] })).toBe(2);
    expect(await g.degree("x", { direction: "in" })).toBe(4);
    expect(await g.degree("nobody")).toBe(0);
    expect(
      await g.deleteEdges([
        { from: "x", type: "a", to: "x" },
        { from: "x", type: "a", to: "x" },
        { from: "q", type: "a", to: "x" },
      ]),
    ).toBe(1);
    expect(await g.degree("x", { direction: "both" })).toBe(6);
  });

  it("pages nodes and edges, also by type, across type and id boundaries", async () => {
    const g = store.graph(gname());
    const random = rng(7);
    const ids = ["a", "a\u0001", "ab", "b", "é", "😀", "😀a", "\uffff"];
    const types = ["t", "t2", "u"];
    await g.upsertNodes(ids.map((id, i) => ({ id, type: i % 2 ? "t" : "u", props: { i } })));
    const edges = [];
    for (const from of ids)
      for (const to of ids)
        for (const type of types) if (random() < 0.3) edges.push({ from, type, to });
    await g.upsertEdges(edges);
    const sortedEdges = [...edges].sort(compareEdgeKeys);
    for (const pageSize of [1, 3, 7]) {
      const all = [];
      for await (const e of g.edges({ pageSize })) all.push(`${e.from}|${e.type}|${e.to}`);
      expect(all).toEqual(sortedEdges.map((e) => `${e.from}|${e.type}|${e.to}`));
      for (const type of types) {
        const some = [];
        for await (const e of g.edges({ type, pageSize })) some.push(`${e.from}|${e.type}|${e.to}`);
        expect(some).toEqual(
          sortedEdges.filter((e) => e.type === type).map((e) => `${e.from}|${e.type}|${e.to}`),
        );
      }
      const nodes = [];
      for await (const n of g.nodes({ pageSize })) nodes.push(n.id);
      expect(nodes).toEqual([...ids].sort(compareUtf8));
      const typed = [];
      for await (const n of g.nodes({ type: "t", pageSize })) typed.push(n.id);
      expect(typed).toEqual(ids.filter((_, i) => i % 2).sort(compareUtf8));
    }
    // The driver's listEdges with an `after` of another type than the filter.
    const graphDriver = createRedisDriver({ url, prefix });
    try {
      const after = { from: "b", type: "t2", to: "a" };
      for (const type of types) {
        const got = await graphDriver.graph?.listEdges(g.name, { type, after, limit: 1000 });
        expect(got?.map((e) => `${e.from}|${e.type}|${e.to}`)).toEqual(
          sortedEdges
            .filter((e) => e.type === type && compareEdgeKeys(e, after) > 0)
            .map((e) => `${e.from}|${e.type}|${e.to}`),
        );
      }
    } finally {
      await graphDriver.close();
    }
  });
});

describe("redis graph traversal", () => {
  it("returns exactly what core's reference walk returns, in one round trip per level", async () => {
    const d = driver();
    try {
      const graph = d.graph;
      if (!graph) throw new Error("no graph");
      for (let seed = 1; seed <= 12; seed++) {
        const random = rng(seed);
        const name = gname();
        const n = 5 + Math.floor(random() * 25);
        const ids = Array.from({ length: n }, (_, i) => `n${i}`);
        const edges = [];
        for (let i = 0; i < n * 2; i++) {
          const from = ids[Math.floor(random() * n)] as string;
          const to = random() < 0.1 ? from : (ids[Math.floor(random() * n)] as string);
          edges.push({ from, type: random() < 0.5 ? "a" : "b", to, props: `{"i":${i}}` });
        }
        await graph.upsertEdges(name, edges, "merge");
        for (let q = 0; q < 8; q++) {
          const seeds = [
            ids[Math.floor(random() * n)] as string,
            ...(random() < 0.3 ? ["missing", ids[0] as string] : []),
          ];
          const options = {
            maxDepth: Math.floor(random() * 4),
            direction: (["out", "in", "both"] as const)[Math.floor(random() * 3)],
            maxNodes: 1 + Math.floor(random() * n),
            ...(random() < 0.3 ? { types: ["a"] } : {}),
          };
          const expected = await traverse(graph, name, seeds, options, false);
          const actual = await traverse(graph, name, seeds, options, true);
          expect(actual, `seed ${seed} query ${q} ${JSON.stringify(options)}`).toEqual(expected);
        }
        await graph.clear(name);
      }
    } finally {
      await d.close();
    }
  });

  it("sends one pipeline per level", async () => {
    // Our own client, watched: every write to its socket is one round trip (a pipeline is
    // written at once), and sendCommand sees each command.
    const client = rawClient(url);
    const d = createRedisDriver({ client, prefix });
    const name = gname();
    try {
      await d.graph?.upsertEdges(
        name,
        [
          { from: "a", type: "r", to: "b", props: "{}" },
          { from: "b", type: "r", to: "c", props: "{}" },
          { from: "c", type: "r", to: "d", props: "{}" },
        ],
        "merge",
      );
      const commands: string[] = [];
      let writes = 0;
      const sendCommand = client.sendCommand.bind(client);
      client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
        commands.push(command.name.toLowerCase());
        return (sendCommand as (...args: unknown[]) => unknown)(command, ...rest);
      }) as typeof client.sendCommand;
      const stream = client.stream;
      const write = stream.write.bind(stream);
      stream.write = ((...args: unknown[]) => {
        writes++;
        return (write as (...a: unknown[]) => boolean)(...args);
      }) as typeof stream.write;
      const result = await createStore(d).graph(name).traverse("a", { maxDepth: 3 });
      expect(result.nodes.map((n) => `${n.id}@${n.depth}`)).toEqual(["a@0", "b@1", "c@2", "d@3"]);
      // Per level: the nodes (HMGET) and their out-edges (one ZRANGEBYLEX per node) in one
      // pipeline; the last level needs the nodes only.
      expect(commands).toEqual([
        "hmget",
        "zrangebylex",
        "hmget",
        "zrangebylex",
        "hmget",
        "zrangebylex",
        "hmget",
      ]);
      expect(writes).toBe(4);
      await d.graph?.clear(name);
    } finally {
      await d.close();
      client.disconnect();
    }
  });
});

describe("redis graph batches", () => {
  it("takes batches far larger than a call stack can spread", async () => {
    // One script of 150,000 nodes: on a loaded machine it can outlast the default 10 s timeout,
    // and it would block the shared server for the other test files: a private server.
    const server = await startPrivateServer();
    const big = createStore(
      createRedisDriver({ url: server.url, prefix, commandTimeoutMs: 60_000 }),
    );
    try {
      const g = big.graph(gname());
      const ids = Array.from({ length: 150_000 }, (_, i) => `n${i}`);
      await g.upsertNodes(ids.map((id) => ({ id, props: { a: 1 } })));
      expect((await g.getNodes(ids)).every((n) => n?.props.a === 1)).toBe(true);
      expect(await g.deleteNodes(ids)).toBe(150_000);
      expect(await g.stats()).toEqual({ nodes: 0, edges: 0 });
    } finally {
      await big.close();
      await server.stop();
    }
  }, 90_000);

  it("upserts 10,000 edges atomically in one script and deletes a hub with all its edges at once", async () => {
    const g = store.graph(gname());
    const edges = Array.from({ length: 10_000 }, (_, i) => ({
      from: "hub",
      type: i % 2 ? "odd" : "even",
      to: `n${i}`,
      props: { i },
    }));
    let started = performance.now();
    await g.upsertEdges(edges);
    const upsertMs = performance.now() - started;
    expect(await g.stats()).toEqual({ nodes: 10_001, edges: 10_000 });
    started = performance.now();
    const reached = await g.traverse("hub", { maxDepth: 1, maxNodes: 20_000 });
    const traverseMs = performance.now() - started;
    expect(reached.nodes.length).toBe(10_001);
    started = performance.now();
    expect(await g.deleteNode("hub")).toBe(true);
    const deleteMs = performance.now() - started;
    expect(await g.stats()).toEqual({ nodes: 10_000, edges: 0 });
    expect(await g.degree("n1", { direction: "both" })).toBe(0);
    started = performance.now();
    await g.clear();
    const clearMs = performance.now() - started;
    expect(await g.stats()).toEqual({ nodes: 0, edges: 0 });
    console.log(
      `[redis] 10k edges: upsert ${upsertMs.toFixed(0)} ms, traverse depth 1 ${traverseMs.toFixed(0)} ms, delete hub ${deleteMs.toFixed(0)} ms, clear ${clearMs.toFixed(0)} ms`,
    );
  });
});
