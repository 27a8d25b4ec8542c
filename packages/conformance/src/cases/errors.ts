// errors: cursors bound to the listing that returned them, and no secret in any rendering of an
// error (util.inspect to any depth, JSON.stringify, String, stack, every cause).

import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { createStore, type Store } from "@stowage/core";
import { expect } from "vitest";
import { expectError, type KitError, range } from "../assert.ts";
import type { CaseContext, CaseDef } from "../types.ts";

/** Every way a logger or a person may look at an error, its cause chain included. */
export function renderings(error: unknown): string[] {
  const out = [
    inspect(error, { depth: Infinity, showHidden: true }),
    inspect(error, { depth: Infinity }),
    safeJson(error),
  ];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 20; depth++) {
    out.push(String(e));
    if (typeof e !== "object") break;
    const { message, stack } = e as { message?: unknown; stack?: unknown };
    out.push(String(message), String(stack), safeJson(e));
    for (const key of Object.getOwnPropertyNames(e)) {
      const value = (e as Record<string, unknown>)[key];
      if (key !== "cause") out.push(typeof value === "string" ? value : safeJson(value));
    }
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, (_, v: unknown) => {
        if (typeof v === "bigint") return String(v);
        if (v !== null && typeof v === "object") {
          if (seen.has(v)) return "[cycle]";
          seen.add(v);
        }
        return v;
      }) ?? ""
    );
  } catch (error) {
    return `[JSON.stringify threw ${String(error)}]`;
  }
}

/** Fails naming the rendering that shows `secret` (also URL-encoded). */
function expectSecretHidden(error: unknown, secret: string, what: string): void {
  const forms = [secret, encodeURIComponent(secret)];
  for (const text of renderings(error)) {
    for (const form of forms) {
      if (text.includes(form))
        throw new Error(`${what}: the error shows the secret in:\n${text.slice(0, 2000)}`);
    }
  }
}

/** A URL with a password in clear (user:secret@) anywhere in a rendering. */
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]*:(?!\*\*\*@)[^\s@/'"]+@/i;

async function failure(fn: () => Promise<unknown>, what: string): Promise<KitError> {
  try {
    await fn();
  } catch (error) {
    const e = error as KitError;
    expect(typeof e?.code, `${what}: a stowage error with a code, got ${String(error)}`).toBe(
      "string",
    );
    expect(e.name, `${what}: a stowage error class`).toMatch(/Error$/);
    return e;
  }
  throw new Error(`${what}: expected the call to fail`);
}

/** The calls made against a misconfigured backend: the first call of each kind fails, typed. */
function firstCalls(store: Store, t: CaseContext): [string, () => Promise<unknown>][] {
  const kv = store.kv(t.freshName("kv"));
  const calls: [string, () => Promise<unknown>][] = [
    ["ping", () => store.ping()],
    ["get", () => kv.get("k")],
    ["set", () => kv.set("k", 1)],
    ["list", () => kv.list()],
    ["namespaces", () => store.namespaces()],
  ];
  if (store.capabilities.graph)
    calls.push(["upsertNode", () => store.graph(t.freshName("graph")).upsertNode({ id: "a" })]);
  return calls;
}

async function listCursor<T>(
  list: (cursor?: string) => Promise<{ items: T[]; cursor?: string | undefined }>,
): Promise<string> {
  const page = await list();
  expect(typeof page.cursor, "a full page has a cursor").toBe("string");
  return page.cursor as string;
}

export const errorCases: CaseDef[] = [
  {
    id: "cursor-other-namespace",
    title:
      "a KV cursor used on another namespace, or with another prefix, throws ValidationError INVALID_CURSOR",
    async run(t) {
      const a = t.kv();
      const b = t.kv();
      const items = range(6).map((i) => ({ key: `k${i}`, value: i }));
      await a.setMany(items);
      await b.setMany(items);
      const cursor = await listCursor((c) => a.list({ limit: 2, ...(c ? { cursor: c } : {}) }));
      await expectError(() => b.list({ cursor, limit: 2 }), "VALIDATION", "INVALID_CURSOR");
      await expectError(() => a.list({ cursor, prefix: "k" }), "VALIDATION", "INVALID_CURSOR");
      expect((await a.list({ cursor, limit: 2 })).items).toEqual(["k2", "k3"]);
      const other = t.store.kv(b.namespace);
      await expectError(() => other.list({ cursor }), "VALIDATION", "INVALID_CURSOR");
    },
  },
  {
    id: "cursor-other-graph",
    title:
      "a node or edge cursor used on another graph, another type filter or another kind of listing throws ValidationError INVALID_CURSOR",
    needs: ["graph"],
    async run(t) {
      const g1 = t.graph();
      const g2 = t.graph();
      for (const g of [g1, g2]) {
        await g.upsertNodes(range(4).map((i) => ({ id: `n${i}`, type: "T" })));
        await g.upsertEdges(
          range(4).map((i) => ({ from: `n${i}`, type: "r", to: `n${(i + 1) % 4}` })),
        );
      }
      const nodes = await listCursor((c) =>
        g1.listNodes({ limit: 2, ...(c ? { cursor: c } : {}) }),
      );
      const typed = await listCursor((c) =>
        g1.listNodes({ limit: 2, type: "T", ...(c ? { cursor: c } : {}) }),
      );
      const edges = await listCursor((c) =>
        g1.listEdges({ limit: 2, ...(c ? { cursor: c } : {}) }),
      );
      const kvCursor = await (async () => {
        const kv = t.kv();
        await kv.setMany(range(3).map((i) => ({ key: `n${i}`, value: i })));
        return listCursor((c) => kv.list({ limit: 1, ...(c ? { cursor: c } : {}) }));
      })();
      await expectError(() => g2.listNodes({ cursor: nodes }), "VALIDATION", "INVALID_CURSOR");
      await expectError(() => g2.listEdges({ cursor: edges }), "VALIDATION", "INVALID_CURSOR");
      await expectError(() => g1.listNodes({ cursor: typed }), "VALIDATION", "INVALID_CURSOR");
      await expectError(
        () => g1.listNodes({ cursor: nodes, type: "T" }),
        "VALIDATION",
        "INVALID_CURSOR",
      );
      await expectError(
        () => g1.listEdges({ cursor: edges, type: "r" }),
        "VALIDATION",
        "INVALID_CURSOR",
      );
      await expectError(() => g1.listNodes({ cursor: kvCursor }), "VALIDATION", "INVALID_CURSOR");
      expect((await g1.listNodes({ cursor: nodes })).items.map((n) => n.id)).toEqual(["n2", "n3"]);
      expect((await g1.listNodes({ cursor: typed, type: "T" })).items.map((n) => n.id)).toEqual([
        "n2",
        "n3",
      ]);
    },
  },
  {
    id: "cursor-edited",
    title: "an edited, truncated or extended cursor throws ValidationError INVALID_CURSOR",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(6).map((i) => ({ key: `key-${i}`, value: i })));
      const cursor = await listCursor((c) => kv.list({ limit: 2, ...(c ? { cursor: c } : {}) }));
      const mid = Math.floor(cursor.length / 2);
      const swapped =
        cursor.slice(0, mid) + (cursor[mid] === "A" ? "B" : "A") + cursor.slice(mid + 1);
      for (const bad of [
        swapped,
        cursor.slice(0, -2),
        `${cursor}AAAA`,
        cursor.slice(1),
        `x${cursor}`,
      ]) {
        await expectError(() => kv.list({ cursor: bad }), "VALIDATION", "INVALID_CURSOR");
      }
    },
  },
  {
    id: "bad-credentials-no-secret",
    title:
      "wrong credentials: the first calls fail with a stowage error, and the secret shows in no rendering of it (inspect, JSON, String, stack, causes)",
    needs: ["badCredentials"],
    timeoutMs: 60_000,
    async run(t) {
      const secret = `kit-secret-${randomBytes(9).toString("hex")}`;
      const driver = await t.openWithBadCredentials(secret);
      const store = createStore(driver, { now: t.clock.now });
      t.defer(() => store.close());
      for (const [what, call] of firstCalls(store, t)) {
        const error = await failure(call, what);
        expect(["UNAVAILABLE", "DRIVER"], `${what}: ${error.message}`).toContain(error.code);
        expectSecretHidden(error, secret, what);
      }
    },
  },
  {
    id: "open-is-lazy",
    title:
      "opening a driver aimed at a dead endpoint neither throws nor waits for a connection: the first call fails, typed",
    needs: ["unreachable"],
    timeoutMs: 60_000,
    async run(t) {
      const started = Date.now();
      const driver = await t.openUnreachable();
      expect(Date.now() - started, "opening waited for a connection").toBeLessThan(2_000);
      const store = createStore(driver, { now: t.clock.now });
      const error = await failure(() => store.kv(t.freshName("kv")).get("k"), "first call");
      expect(error.code).toBe("UNAVAILABLE");
    },
  },
  {
    id: "unreachable-no-secret",
    title:
      "a dead endpoint: no rendering of the error (inspect, JSON, String, stack, causes) shows a password in a URL",
    needs: ["unreachable"],
    timeoutMs: 60_000,
    async run(t) {
      const store = createStore(await t.openUnreachable(), { now: t.clock.now });
      t.defer(() => store.close());
      for (const [what, call] of firstCalls(store, t)) {
        const error = await failure(call, what);
        for (const text of renderings(error))
          expect(text, `${what}: a rendering shows a URL password`).not.toMatch(URL_PASSWORD);
      }
    },
  },
];
