// spi/graph, listings: listNodes, listEdges, stats, clear and graphs() of GraphDriver, called on
// the driver itself with core's encoded props.

import { expect } from "vitest";
import { byteSorted } from "../../assert.ts";
import type { CaseDef } from "../../types.ts";
import { E, N, spiGraph } from "./helpers.ts";

export const spiGraphListCases: CaseDef[] = [
  {
    id: "list-nodes",
    title: "listNodes: byte order by id, `after` exclusive, `limit`, type filter (also with after)",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      const types: Record<string, string | null> = {
        b: "Even",
        B: "Even",
        a: "Odd",
        é: "Even",
        "😀": null,
        "\uFFFD": "Odd",
        a1: null,
        _: "Odd",
        z: "Even",
      };
      const ids = Object.keys(types);
      await g.upsertNodes(
        name,
        ids.map((id) => N(id, types[id])),
        "merge",
      );
      const ordered = byteSorted(ids);
      const all = await g.listNodes(name, { limit: 100 });
      expect(
        all.map((n) => n.id),
        "listNodes orders by the ids' UTF-8 bytes",
      ).toEqual(ordered);
      expect(
        all.map((n) => n.type),
        "listNodes returns whole records (types)",
      ).toEqual(ordered.map((id) => types[id]));
      expect(
        (await g.listNodes(name, { limit: 2, after: ordered[2] })).map((n) => n.id),
        "after is exclusive, limit caps the page",
      ).toEqual(ordered.slice(3, 5));
      expect(
        (await g.listNodes(name, { limit: 5, after: "a0" })).map((n) => n.id),
        "after an id that does not exist",
      ).toEqual(["a1", "b", "z", "é", "\uFFFD"]);
      const evens = byteSorted(ids.filter((id) => types[id] === "Even"));
      expect(evens).toEqual(["B", "b", "z", "é"]);
      expect(
        (await g.listNodes(name, { limit: 100, type: "Even" })).map((n) => n.id),
        "type filter",
      ).toEqual(evens);
      expect(
        (await g.listNodes(name, { limit: 2, type: "Even", after: "B" })).map((n) => n.id),
        "type filter with after and limit",
      ).toEqual(["b", "z"]);
      expect(
        (await g.listNodes(name, { limit: 10, type: "Odd", after: "_" })).map((n) => n.id),
        "type filter with after",
      ).toEqual(["a", "\uFFFD"]);
      expect(await g.listNodes(name, { limit: 10, type: "None" }), "a type nothing has").toEqual(
        [],
      );
    },
  },
  {
    id: "list-edges",
    title:
      "listEdges: (from, type, to) tuple order, `after` exclusive as a tuple, `limit`, type filter",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      // Concatenated, "a" + "b" + ... would order these differently than the tuples do.
      const edges = [
        E("a", "b", "c"),
        E("ab", "a", "a"),
        E("a", "bb", "a"),
        E("a", "b", "a"),
        E("😀", "r", "x"),
        E("\uFFFD", "r", "x"),
        E("a", "B", "z"),
      ];
      await g.upsertEdges(name, edges, "merge");
      const key = (e: { from: string; type: string; to: string }) =>
        [e.from, e.type, e.to].map((s) => Buffer.from(s));
      const cmp = (
        x: { from: string; type: string; to: string },
        y: { from: string; type: string; to: string },
      ) => {
        const [a, b] = [key(x), key(y)];
        for (let i = 0; i < 3; i++) {
          const c = Buffer.compare(a[i] as Buffer, b[i] as Buffer);
          if (c !== 0) return c;
        }
        return 0;
      };
      const want = [...edges].sort(cmp).map((e) => `${e.from}|${e.type}|${e.to}`);
      const show = (list: { from: string; type: string; to: string }[]) =>
        list.map((e) => `${e.from}|${e.type}|${e.to}`);
      expect(
        show(await g.listEdges(name, { limit: 100 })),
        "listEdges orders by (from, type, to), each in byte order",
      ).toEqual(want);
      const sorted = [...edges].sort(cmp);
      const after = sorted[1] as { from: string; type: string; to: string };
      expect(
        show(
          await g.listEdges(name, {
            limit: 2,
            after: { from: after.from, type: after.type, to: after.to },
          }),
        ),
        "after is an exclusive tuple",
      ).toEqual(want.slice(2, 4));
      expect(
        show(await g.listEdges(name, { limit: 100, after: { from: "a", type: "b", to: "b" } })),
        "after a tuple that does not exist",
      ).toEqual(
        want.filter(
          (w) =>
            cmp(
              {
                from: w.split("|")[0] as string,
                type: w.split("|")[1] as string,
                to: w.split("|")[2] as string,
              },
              { from: "a", type: "b", to: "b" },
            ) > 0,
        ),
      );
      expect(show(await g.listEdges(name, { limit: 100, type: "r" })), "type filter").toEqual(
        want.filter((w) => w.split("|")[1] === "r"),
      );
      expect(
        show(
          await g.listEdges(name, {
            limit: 1,
            type: "r",
            after: sorted.find((e) => e.type === "r") as { from: string; type: string; to: string },
          }),
        ),
        "type filter with after",
      ).toEqual(want.filter((w) => w.split("|")[1] === "r").slice(1, 2));
    },
  },
  {
    id: "stats",
    title: "stats: nodes (bare endpoints included) and edges, after upserts and deletes",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      expect(await g.stats(name), "a graph never written").toEqual({ nodes: 0, edges: 0 });
      await g.upsertNodes(name, [N("a", "T"), N("lonely", null)], "merge");
      await g.upsertEdges(name, [E("a", "r", "b"), E("b", "r", "c"), E("a", "r", "a")], "merge");
      await g.upsertEdges(name, [E("a", "r", "b", { again: 1 })], "merge");
      expect(
        await g.stats(name),
        "2 nodes + 2 bare endpoints, 3 distinct edges (a self-loop counts once)",
      ).toEqual({
        nodes: 4,
        edges: 3,
      });
      await g.deleteNodes(name, ["b"]);
      expect(await g.stats(name), "after a cascading delete (the self-loop of a stays)").toEqual({
        nodes: 3,
        edges: 1,
      });
    },
  },
  {
    id: "graph-boundaries",
    title:
      'graph name and id never run together: node "xa" of G and node "a" of Gx are different nodes',
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      const longer = t.track("graph", `${name}x`);
      await g.upsertNodes(name, [N("xa", "inG")], "merge");
      await g.upsertEdges(longer, [E("a", "r", "xa")], "merge");
      expect(
        (await g.getNodes(name, ["xa", "a"])).map((n) => n?.type),
        "graph G sees only its own nodes",
      ).toEqual(["inG", undefined]);
      expect(
        (await g.getNodes(longer, ["a", "xa"])).map((n) => n?.type),
        "graph Gx sees only its own nodes",
      ).toEqual([null, null]);
      expect(
        await g.neighbors(name, ["xa"], { direction: "both" }),
        "G's xa has no edges (the edge is Gx's)",
      ).toEqual([[]]);
      expect(await g.stats(name)).toEqual({ nodes: 1, edges: 0 });
      const kvOnly = t.track("kv", `${name}kv`);
      await t.driver.kv.setMany(kvOnly, [{ key: "k", value: "1", expiresAt: null }], t.clock.now());
      expect(await g.graphs(), "a KV namespace is not a graph").not.toContain(kvOnly);
    },
  },
  {
    id: "clear-isolation",
    title:
      "graph clear: removes every node and edge of this graph and none of another (longer name, KV namespace of the same name)",
    needs: ["graph"],
    async run(t) {
      const { g, name } = spiGraph(t);
      const longer = t.track("graph", `${name}x`);
      t.track("kv", name);
      const now = t.clock.now();
      await g.upsertEdges(name, [E("a", "r", "b")], "merge");
      await g.upsertEdges(longer, [E("a", "r", "b")], "merge");
      await t.driver.kv.setMany(name, [{ key: "a", value: "1", expiresAt: null }], now);
      await g.clear(name);
      expect(await g.stats(name), "clear empties the graph").toEqual({ nodes: 0, edges: 0 });
      expect(
        await g.neighbors(name, ["a"], { direction: "both" }),
        "no edges listed after clear",
      ).toEqual([[]]);
      expect(await g.stats(longer), "clear(g) must not touch a graph whose name extends g").toEqual(
        { nodes: 2, edges: 1 },
      );
      expect(
        (await t.driver.kv.getMany(name, ["a"], now))[0]?.value,
        "graph clear must not touch the KV namespace of the same name",
      ).toBe("1");
      await g.upsertEdges(name, [E("a", "s", "c")], "merge");
      expect(await g.stats(name), "a cleared graph can be written again").toEqual({
        nodes: 2,
        edges: 1,
      });
    },
  },
  {
    id: "graphs",
    title:
      "graphs(): graphs holding at least one node, in byte order (not emptied, cleared or edge-less-deleted ones)",
    needs: ["graph"],
    async run(t) {
      const { g, name: base } = spiGraph(t);
      const names = ["b", "B", "_", "-", "0", "a"].map((s) => t.track("graph", `${base}${s}`));
      for (const n of names) await g.upsertNodes(n, [N("x", null)], "merge");
      const [emptied, cleared, edgesGone] = ["e1", "e2", "e3"].map((s) =>
        t.track("graph", `${base}${s}`),
      ) as string[];
      await g.upsertEdges(emptied as string, [E("p", "r", "q")], "merge");
      await g.deleteNodes(emptied as string, ["p", "q"]);
      await g.upsertNodes(cleared as string, [N("x", null)], "merge");
      await g.clear(cleared as string);
      await g.upsertEdges(edgesGone as string, [E("p", "r", "q")], "merge");
      await g.deleteEdges(edgesGone as string, [{ from: "p", type: "r", to: "q" }]);
      const listed = await g.graphs();
      expect(
        listed.filter((n) => names.includes(n)),
        "graphs() lists graphs with nodes, in byte order",
      ).toEqual(byteSorted(names));
      expect(listed, "graphs() as a whole is in byte order").toEqual(byteSorted(listed));
      expect(listed, "a graph whose nodes were all deleted is not listed").not.toContain(emptied);
      expect(listed, "a cleared graph is not listed").not.toContain(cleared);
      expect(
        listed,
        "a graph whose edges were deleted still holds its nodes and is listed",
      ).toContain(edgesGone);
    },
  },
];
