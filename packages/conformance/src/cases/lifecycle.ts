// lifecycle: close, use after close, disposal, reopening (persistent) and unreachable backends.

import { createHook } from "node:async_hooks";
import { createStore } from "@stowage/core";
import type { Store } from "@stowage/core";
import { expect } from "vitest";
import { collect, eventually, expectError, type KitError } from "../assert.ts";
import type { CaseContext, CaseDef } from "../types.ts";

/** Longest an operation against a dead endpoint may take before it must have failed. */
const UNREACHABLE_BOUND_MS = 15_000;

async function unreachableStore(t: CaseContext): Promise<Store> {
  const driver = await t.openUnreachable();
  const store = createStore(driver, { now: t.clock.now });
  t.defer(() => store.close());
  return store;
}

/** Expects UnavailableError within the bound, retryable, with no password in its message. */
async function expectUnavailable(fn: () => Promise<unknown>, what: string): Promise<void> {
  const started = Date.now();
  const error = await expectError(() => Promise.race([fn(), hang(UNREACHABLE_BOUND_MS, what)]), "UNAVAILABLE");
  expect(Date.now() - started, `${what} took too long to fail`).toBeLessThan(UNREACHABLE_BOUND_MS);
  expect(error.retryable, `${what}: UnavailableError is retryable`).toBe(true);
  expectNoSecret(error, what);
}

function hang(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not fail within ${ms} ms`)), ms);
    timer.unref?.();
  });
}

/** A URL with a password in clear (user:secret@), in the message or in any cause's message. */
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:(?!\*\*\*@)[^\s@/]+@/i;

function expectNoSecret(error: KitError, what: string): void {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    if (depth === 0) expect(e.message, `${what}: the message shows a password`).not.toMatch(URL_PASSWORD);
    expect(/password=[^*&\s]/i.test(e.message), `${what}: a password parameter is shown`).toBe(false);
    e = (e as { cause?: unknown }).cause;
  }
}

export const lifecycleCases: CaseDef[] = [
  {
    id: "closed-kv",
    title: "after close() every store and KV method throws ClosedError",
    async run(t) {
      const store = await t.openStore();
      const kv = store.kv(t.freshName("kv"));
      await kv.set("k", 1);
      await store.close();
      expect(store.closed).toBe(true);
      const calls: [string, () => unknown][] = [
        ["get", () => kv.get("k")],
        ["getEntry", () => kv.getEntry("k")],
        ["getMany", () => kv.getMany(["k"])],
        ["has", () => kv.has("k")],
        ["missing", () => kv.missing(["k"])],
        ["set", () => kv.set("k", 2)],
        ["setMany", () => kv.setMany([{ key: "k", value: 2 }])],
        ["delete", () => kv.delete("k")],
        ["deleteMany", () => kv.deleteMany(["k"])],
        ["list", () => kv.list()],
        ["count", () => kv.count()],
        ["clear", () => kv.clear()],
        ["keys", () => collect(kv.keys())],
        ["entries", () => collect(kv.entries())],
        ["store.kv", () => store.kv("other")],
        ["namespaces", () => store.namespaces()],
        ["ping", () => store.ping()],
      ];
      if (store.capabilities.cas) calls.push(["update", () => kv.update("k", () => 3)]);
      for (const [name, call] of calls) {
        await expectError(call, "CLOSED").catch((e) => {
          throw new Error(`${name} after close: ${(e as Error).message}`);
        });
      }
      if (t.capabilities.shared) expect(await t.store.kv(kv.namespace).get("k")).toBe(1);
    },
  },
  {
    id: "closed-graph",
    title: "after close() every graph method throws ClosedError",
    needs: ["graph"],
    async run(t) {
      const store = await t.openStore();
      const g = store.graph(t.freshName("graph"));
      await g.upsertEdge({ from: "a", type: "r", to: "b" });
      await store.close();
      const calls: [string, () => unknown][] = [
        ["upsertNode", () => g.upsertNode({ id: "c" })],
        ["upsertEdges", () => g.upsertEdges([{ from: "a", type: "r", to: "c" }])],
        ["getNode", () => g.getNode("a")],
        ["getEdge", () => g.getEdge("a", "r", "b")],
        ["deleteNode", () => g.deleteNode("a")],
        ["deleteEdge", () => g.deleteEdge("a", "r", "b")],
        ["neighbors", () => g.neighbors("a")],
        ["degree", () => g.degree("a")],
        ["traverse", () => g.traverse("a", { maxDepth: 2 })],
        ["findPaths", () => g.findPaths("a", "b", { maxDepth: 2 })],
        ["shortestPath", () => g.shortestPath("a", "b", { maxDepth: 2 })],
        ["listNodes", () => g.listNodes()],
        ["listEdges", () => g.listEdges()],
        ["nodes", () => collect(g.nodes())],
        ["stats", () => g.stats()],
        ["clear", () => g.clear()],
        ["store.graph", () => store.graph("other")],
        ["graphs", () => store.graphs()],
      ];
      for (const [name, call] of calls) {
        await expectError(call, "CLOSED").catch((e) => {
          throw new Error(`${name} after close: ${(e as Error).message}`);
        });
      }
    },
  },
  {
    id: "closed-graphs",
    title: "after close() store.graphs() throws ClosedError, with or without graph support",
    async run(t) {
      const store = await t.openStore();
      await store.ping();
      await store.close();
      await expectError(() => store.graphs(), "CLOSED");
      await expectError(() => store.graph("g"), "CLOSED");
    },
  },
  {
    id: "close-idempotent",
    title: "close() twice, or twice at once, resolves without error",
    async run(t) {
      const store = await t.openStore();
      await store.kv(t.freshName("kv")).set("k", 1);
      await Promise.all([store.close(), store.close()]);
      await store.close();
      expect(store.closed).toBe(true);
    },
  },
  {
    id: "async-dispose",
    title: "`await using` closes the store at the end of the block",
    async run(t) {
      let kept: Store | undefined;
      const ns = t.freshName("kv");
      {
        await using store = await t.openStore();
        kept = store;
        await store.kv(ns).set("k", "v");
        expect(store.closed).toBe(false);
      }
      expect(kept.closed).toBe(true);
      await expectError(() => kept?.kv(ns).get("k"), "CLOSED");
      expect(typeof kept[Symbol.asyncDispose]).toBe("function");
    },
  },
  {
    id: "driver-close",
    title: "the driver itself throws ClosedError when used after its close(), and close() is idempotent",
    async run(t) {
      const driver = await t.openDriver();
      const ns = t.freshName("kv");
      await driver.close();
      await driver.close();
      await expectError(() => driver.kv.getMany(ns, ["k"], t.clock.now()), "CLOSED");
      await expectError(() => driver.kv.setMany(ns, [{ key: "k", value: "1", expiresAt: null }], t.clock.now()), "CLOSED");
      await expectError(() => driver.ping(), "CLOSED");
    },
  },
  {
    id: "close-one-instance",
    title: "closing one driver instance leaves the others over the same backend working, with their data",
    async run(t) {
      const ns = t.freshName("kv");
      const other = await t.openStore();
      await t.store.kv(ns).set("main", 1);
      await other.kv(ns).set("other", 2);
      await other.close();
      expect(await t.store.kv(ns).get("main")).toBe(1);
      if (t.capabilities.shared) expect(await t.store.kv(ns).get("other")).toBe(2);
      await t.store.kv(ns).set("after", 3);
      expect(await t.store.ping()).toBeDefined();
    },
  },
  {
    id: "close-in-flight",
    title: "operations in flight when close() is called settle (done, or ClosedError) and close() resolves",
    async run(t) {
      const store = await t.openStore();
      const ns = t.freshName("kv");
      const kv = store.kv(ns);
      await kv.set("warm", 1);
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) ops.push(kv.set(`k${i}`, i), kv.get("warm"), kv.count());
      const closing = store.close();
      const settled = await Promise.race([Promise.allSettled([...ops, closing]), hang(UNREACHABLE_BOUND_MS, "close with operations in flight")]);
      expect(settled[settled.length - 1]?.status, "close() resolves").toBe("fulfilled");
      for (const r of settled) {
        if (r.status === "rejected") expect(["CLOSED", "UNAVAILABLE"], String(r.reason)).toContain((r.reason as KitError).code);
      }
      await expectError(() => kv.get("warm"), "CLOSED");
    },
  },
  {
    id: "no-leaks",
    title: "a closed driver leaves no sockets or ref'd timers behind",
    async run(t) {
      // Every handle created while the driver is open and in use must be gone (or unref'd) once
      // close() has resolved, give or take a few seconds for sockets to finish closing.
      const alive = new Map<number, { type: string; resource: { hasRef?: () => boolean; _destroyed?: boolean } }>();
      const watched = new Set(["Timeout", "TCPWRAP", "TLSWRAP", "PIPEWRAP", "UDPWRAP", "Immediate"]);
      let recording = true;
      // Handles are recorded while the driver is open; their destruction is followed until the end.
      const hook = createHook({
        init(id, type, _trigger, resource) {
          if (recording && watched.has(type)) alive.set(id, { type, resource: resource as { hasRef?: () => boolean } });
        },
        destroy(id) {
          alive.delete(id);
        },
      });
      const ns = t.freshName("kv");
      hook.enable();
      try {
        const store = createStore(await t.openDriver(), { now: t.clock.now });
        await store.kv(ns).setMany([{ key: "a", value: 1 }, { key: "b", value: 2 }]);
        await store.kv(ns).list();
        if (store.capabilities.graph) await store.graph(t.freshName("graph")).upsertEdge({ from: "a", type: "r", to: "b" });
        await store.close();
        recording = false;
        const open = () =>
          [...alive.values()]
            .filter(({ resource }) => resource._destroyed !== true && (typeof resource.hasRef === "function" ? resource.hasRef() : true))
            .map(({ type }) => type);
        await eventually(async () => open().length === 0, 5000, 100);
        expect(open(), "handles still open 5 s after close()").toEqual([]);
      } finally {
        hook.disable();
      }
    },
  },
  {
    id: "reopen-kv",
    title: "data survives close() and a new driver: values, versions and expiry",
    needs: ["persistent"],
    async run(t) {
      const ns = t.freshName("kv");
      const first = await t.openStore();
      await first.kv(ns).setMany([
        { key: "a", value: { d: new Date(1), n: 1n } },
        { key: "b", value: "b" },
      ]);
      await first.kv(ns).set("b", "b2");
      const expiresAt = t.clock.now() + 3_600_000;
      if (first.capabilities.ttl) await first.kv(ns).set("c", "c", { expiresAt });
      await first.close();
      const second = await t.openStore();
      const kv = second.kv(ns);
      expect(await kv.getEntry("a")).toEqual({ key: "a", value: { d: new Date(1), n: 1n }, version: 1, expiresAt: null });
      expect(await kv.getEntry("b")).toMatchObject({ value: "b2", version: 2 });
      if (second.capabilities.ttl) expect((await kv.getEntry("c"))?.expiresAt).toBe(expiresAt);
      expect(await kv.set("b", "b3")).toBe(3);
      expect(await second.namespaces()).toContain(ns);
    },
  },
  {
    id: "reopen-graph",
    title: "a graph survives close() and a new driver",
    needs: ["persistent", "graph"],
    async run(t) {
      const name = t.freshName("graph");
      const first = await t.openStore();
      await first.graph(name).upsertNodes([{ id: "a", type: "T", props: { x: 1 } }]);
      await first.graph(name).upsertEdges([{ from: "a", type: "r", to: "b", props: { w: 1 } }, { from: "b", type: "r", to: "a" }]);
      await first.close();
      const second = await t.openStore();
      const g = second.graph(name);
      expect(await g.getNode("a")).toEqual({ id: "a", type: "T", props: { x: 1 } });
      expect(await g.stats()).toEqual({ nodes: 2, edges: 2 });
      expect((await g.neighbors("a", { direction: "both" })).map((n) => n.id)).toEqual(["b", "b"]);
      expect(await second.graphs()).toContain(name);
    },
  },
  {
    id: "unreachable-ping",
    title: "a driver aimed at a dead endpoint: ping throws a retryable UnavailableError in bounded time, without secrets",
    needs: ["unreachable"],
    timeoutMs: 60_000,
    async run(t) {
      const store = await unreachableStore(t);
      await expectUnavailable(() => store.ping(), "ping");
    },
  },
  {
    id: "unreachable-kv",
    title: "a driver aimed at a dead endpoint: KV reads and writes throw UnavailableError with the driver error as cause",
    needs: ["unreachable"],
    timeoutMs: 90_000,
    async run(t) {
      const store = await unreachableStore(t);
      const kv = store.kv(t.freshName("kv"));
      await expectUnavailable(() => kv.get("k"), "get");
      await expectUnavailable(() => kv.set("k", 1), "set");
      await expectUnavailable(() => kv.list(), "list");
      await expectUnavailable(() => kv.count(), "count");
      await expectUnavailable(() => store.namespaces(), "namespaces");
      const error = await expectError(() => kv.get("k"), "UNAVAILABLE");
      expect(error.cause, "UnavailableError carries the driver's error as cause").toBeDefined();
    },
  },
  {
    id: "unreachable-graph",
    title: "a driver aimed at a dead endpoint: graph calls throw UnavailableError",
    needs: ["unreachable", "graph"],
    timeoutMs: 60_000,
    async run(t) {
      const store = await unreachableStore(t);
      const g = store.graph(t.freshName("graph"));
      await expectUnavailable(() => g.upsertNode({ id: "a" }), "upsertNode");
      await expectUnavailable(() => g.neighbors("a"), "neighbors");
      await expectUnavailable(() => g.traverse("a", { maxDepth: 2 }), "traverse");
    },
  },
  {
    id: "unreachable-close",
    title: "a driver aimed at a dead endpoint closes promptly, even after failed calls",
    needs: ["unreachable"],
    timeoutMs: 60_000,
    async run(t) {
      const driver = await t.openUnreachable();
      const store = createStore(driver, { now: t.clock.now });
      await store.ping().catch(() => undefined);
      const started = Date.now();
      await Promise.race([store.close(), hang(UNREACHABLE_BOUND_MS, "close")]);
      expect(Date.now() - started).toBeLessThan(UNREACHABLE_BOUND_MS);
      await expectError(() => store.ping(), "CLOSED");
    },
  },
];
