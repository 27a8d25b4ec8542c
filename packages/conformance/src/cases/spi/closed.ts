// spi/closed: every method of a closed driver rejects with ClosedError — one case per method, so
// a failure names the method. Each case opens its own driver and closes it (twice: idempotent).

import type { Driver } from "@stowage/core";
import { expect } from "vitest";
import { expectError } from "../../assert.ts";
import type { CaseContext, CaseDef, Need } from "../../types.ts";

type Call = (d: Driver, ns: string, now: number) => Promise<unknown>;

const edgeKey = { from: "a", type: "r", to: "b" };
const g = (d: Driver) => {
  if (!d.graph) throw new Error("the driver declares graph: true but has no `graph` part");
  return d.graph;
};

const kvCalls: [string, Call][] = [
  ["kv.getMany", (d, ns, now) => d.kv.getMany(ns, ["k"], now)],
  [
    "kv.setMany",
    (d, ns, now) => d.kv.setMany(ns, [{ key: "k", value: "2", expiresAt: null }], now),
  ],
  ["kv.deleteMany", (d, ns, now) => d.kv.deleteMany(ns, [{ key: "k" }], now)],
  ["kv.list", (d, ns, now) => d.kv.list(ns, { prefix: "", limit: 10, withValues: true }, now)],
  ["kv.count", (d, ns, now) => d.kv.count(ns, "", now)],
  ["kv.clear", (d, ns) => d.kv.clear(ns)],
  ["kv.namespaces", (d, _ns, now) => d.kv.namespaces(now)],
  ["ping", (d) => d.ping()],
];

const graphCalls: [string, Call][] = [
  ["graph.upsertNodes", (d, ns) => g(d).upsertNodes(ns, [{ id: "c", props: "{}" }], "merge")],
  [
    "graph.upsertEdges",
    (d, ns) => g(d).upsertEdges(ns, [{ ...edgeKey, to: "c", props: "{}" }], "replace"),
  ],
  ["graph.getNodes", (d, ns) => g(d).getNodes(ns, ["a"])],
  ["graph.getEdges", (d, ns) => g(d).getEdges(ns, [edgeKey])],
  ["graph.deleteNodes", (d, ns) => g(d).deleteNodes(ns, ["a"])],
  ["graph.deleteEdges", (d, ns) => g(d).deleteEdges(ns, [edgeKey])],
  ["graph.neighbors", (d, ns) => g(d).neighbors(ns, ["a"], { direction: "both" })],
  ["graph.degree", (d, ns) => g(d).degree(ns, ["a"], { direction: "both" })],
  ["graph.listNodes", (d, ns) => g(d).listNodes(ns, { limit: 10 })],
  ["graph.listEdges", (d, ns) => g(d).listEdges(ns, { limit: 10 })],
  ["graph.stats", (d, ns) => g(d).stats(ns)],
  ["graph.clear", (d, ns) => g(d).clear(ns)],
  ["graph.graphs", (d) => g(d).graphs()],
];

async function closedCase(
  t: CaseContext,
  method: string,
  call: Call,
  kind: "kv" | "graph",
): Promise<void> {
  const driver = await t.openDriver();
  const ns = t.freshName(kind);
  const now = t.clock.now();
  if (kind === "kv") await driver.kv.setMany(ns, [{ key: "k", value: "1", expiresAt: null }], now);
  else await g(driver).upsertEdges(ns, [{ ...edgeKey, props: "{}" }], "merge");
  await driver.close();
  await driver.close();
  await expectError(() => call(driver, ns, now), "CLOSED").catch((e) => {
    throw new Error(
      `${method} on a closed driver must reject with ClosedError: ${(e as Error).message}`,
      { cause: e },
    );
  });
  if (kind === "kv" && t.capabilities.shared) {
    expect(
      (await t.driver.kv.getMany(ns, ["k"], now))[0]?.value,
      `${method} on a closed driver must not have changed the data`,
    ).toBe("1");
  }
}

const slug = (method: string) =>
  method.replace(/\./g, "-").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export const spiClosedCases: CaseDef[] = [
  ...kvCalls.map(
    ([method, call]): CaseDef => ({
      id: slug(method),
      title: `${method} after close() rejects with ClosedError`,
      run: (t) => closedCase(t, method, call, "kv"),
    }),
  ),
  ...graphCalls.map(
    ([method, call]): CaseDef => ({
      id: slug(method),
      title: `${method} after close() rejects with ClosedError`,
      needs: ["graph"] as Need[],
      run: (t) => closedCase(t, method, call, "graph"),
    }),
  ),
  {
    id: "graph-traverse",
    title: "graph.traverse (native) after close() rejects with ClosedError",
    needs: ["graph", "nativeTraversal"],
    run: (t) =>
      closedCase(
        t,
        "graph.traverse",
        (d, ns) => {
          const traverse = g(d).traverse;
          if (!traverse)
            throw new Error("declared nativeTraversal: true, but graph.traverse is not a function");
          return traverse.call(g(d), ns, ["a"], { maxDepth: 2, direction: "both", maxNodes: 10 });
        },
        "graph",
      ),
  },
];
