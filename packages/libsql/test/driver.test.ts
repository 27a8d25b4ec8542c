// What the conformance kit cannot know about libSQL: pragmas, schema, files, :memory:,
// client ownership, error mapping, sweeping, byte order and batch sizes.

import { createClient } from "@libsql/client";
import {
  ClosedError,
  ConflictError,
  compareUtf8,
  createStore,
  openStore,
  StowageError,
  UnavailableError,
  ValidationError,
} from "@stowage/core";
import { describe, expect, it, vi } from "vitest";
import { createLibsqlDriver, openDriver, SCHEMA_VERSION } from "../src/index.ts";
import { ascendingUtf8, prefixSuccessor } from "../src/sql.ts";
import { tempDbUrl } from "./helpers.ts";

describe("schema and pragmas", () => {
  it("creates the schema on first use with a version, WAL, synchronous=NORMAL and a busy timeout", async () => {
    const { url } = tempDbUrl();
    const client = createClient({ url, concurrency: 1 });
    const driver = createLibsqlDriver({ client });
    await driver.ping();
    const version = await client.execute(
      "SELECT value FROM stowage_meta WHERE key = 'schema_version'",
    );
    expect(Number(version.rows[0]?.[0])).toBe(SCHEMA_VERSION);
    expect((await client.execute("PRAGMA journal_mode")).rows[0]?.[0]).toBe("wal");
    expect(Number((await client.execute("PRAGMA synchronous")).rows[0]?.[0])).toBe(1);
    expect(Number((await client.execute("PRAGMA busy_timeout")).rows[0]?.[0])).toBe(5000);
    const tables = await client.execute(
      "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
    );
    expect(tables.rows.map((r) => r[0])).toEqual([
      "stowage_edges",
      "stowage_kv",
      "stowage_meta",
      "stowage_nodes",
    ]);
    await driver.close();
    client.close();
  });

  it("lets every pragma be overridden, and rejects values outside the known lists", async () => {
    const { url } = tempDbUrl();
    const client = createClient({ url, concurrency: 1 });
    const driver = createLibsqlDriver({
      client,
      pragmas: { journalMode: "delete", synchronous: "FULL", busyTimeoutMs: 250 },
    });
    await driver.ping();
    expect((await client.execute("PRAGMA journal_mode")).rows[0]?.[0]).toBe("delete");
    expect(Number((await client.execute("PRAGMA synchronous")).rows[0]?.[0])).toBe(2);
    expect(Number((await client.execute("PRAGMA busy_timeout")).rows[0]?.[0])).toBe(250);
    await driver.close();
    client.close();
    expect(() =>
      createLibsqlDriver({ url, pragmas: { journalMode: "WAL; DROP TABLE x" as "WAL" } }),
    ).toThrow(ValidationError);
    expect(() => createLibsqlDriver({ url, pragmas: { busyTimeoutMs: -1 } })).toThrow(
      ValidationError,
    );
    expect(() => createLibsqlDriver({} as never)).toThrow(ValidationError);
  });

  it("opens an existing database without rewriting it, and refuses a newer schema", async () => {
    const { url } = tempDbUrl();
    const first = createStore(createLibsqlDriver({ url }));
    await first.kv("ns").set("k", 1);
    await first.close();
    const again = createStore(createLibsqlDriver({ url }));
    expect(await again.kv("ns").get("k")).toBe(1);
    await again.close();

    const raw = createClient({ url });
    await raw.execute(
      `UPDATE stowage_meta SET value = '${SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`,
    );
    raw.close();
    const newer = createLibsqlDriver({ url });
    await expect(newer.ping()).rejects.toThrow(/newer than this @stowage\/libsql/);
    await newer.close();
  });

  it("lets several drivers create the schema of one new file at the same time", async () => {
    const { url } = tempDbUrl();
    const drivers = Array.from({ length: 4 }, () => createLibsqlDriver({ url }));
    await Promise.all(drivers.map((d) => d.ping()));
    const stores = drivers.map((d) => createStore(d));
    await Promise.all(stores.map((s, i) => s.kv("ns").set(`k${i}`, i)));
    expect(await stores[0]?.kv("ns").count()).toBe(4);
    await Promise.all(stores.map((s) => s.close()));
  });

  it("keeps data in the file across close and reopen (openStore by URL)", async () => {
    const { url } = tempDbUrl();
    const store = await openStore(url);
    expect(store.driverName).toBe("libsql");
    expect(store.capabilities.persistent).toBe(true);
    await store.graph("g").upsertEdge({ from: "a", type: "r", to: "b", props: { w: 1 } });
    await store.kv("ns").set("k", new Map([[1, new Date(0)]]));
    await store.close();
    const reopened = await openStore(url.replace(/^file:/, "sqlite:"));
    expect(await reopened.kv("ns").get("k")).toEqual(new Map([[1, new Date(0)]]));
    expect(await reopened.graph("g").getEdge("a", "r", "b")).toEqual({
      from: "a",
      type: "r",
      to: "b",
      props: { w: 1 },
    });
    await reopened.close();
  });
});

describe("capabilities", () => {
  it("traverses natively, locally and on remote servers, unless told otherwise", async () => {
    const local = createLibsqlDriver({ url: ":memory:" });
    const remote = createLibsqlDriver({ url: "http://127.0.0.1:9" });
    const forced = createLibsqlDriver({ url: ":memory:", nativeTraversal: false });
    expect(local.capabilities.nativeTraversal).toBe(true);
    expect(remote.capabilities.nativeTraversal).toBe(true);
    expect(forced.capabilities.nativeTraversal).toBe(false);
    expect(remote.capabilities.persistent && remote.capabilities.shared).toBe(true);
    await Promise.all([local.close(), remote.close(), forced.close()]);
  });
});

describe(":memory:", () => {
  it("keeps its data across batches (the driver never opens an interactive transaction)", async () => {
    const store = createStore(createLibsqlDriver({ url: ":memory:" }));
    expect(store.capabilities.persistent).toBe(false);
    const kv = store.kv<number>("ns");
    await kv.setMany([
      { key: "a", value: 1 },
      { key: "b", value: 2 },
    ]);
    await kv.set("a", 10, { ifVersion: 1 });
    await store.graph("g").upsertNodes([{ id: "n", props: { x: 1 } }]);
    await store.graph("g").upsertNodes([{ id: "n", props: { y: 2 } }]);
    expect(await kv.getMany(["a", "b"])).toEqual([10, 2]);
    expect((await store.graph("g").getNode("n"))?.props).toEqual({ x: 1, y: 2 });
    await store.close();
  });

  it("serves many concurrent writers without losing an update", async () => {
    const store = createStore(createLibsqlDriver({ url: ":memory:" }));
    const kv = store.kv<number>("ns");
    await Promise.all(Array.from({ length: 50 }, () => kv.update("counter", (n) => (n ?? 0) + 1)));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.graph("g").upsertNodes([{ id: "hub", props: { [`p${i}`]: i } }]),
      ),
    );
    expect(await kv.get("counter")).toBe(50);
    expect(Object.keys((await store.graph("g").getNode("hub"))?.props ?? {})).toHaveLength(20);
    await store.close();
  });
});

describe("client ownership and close", () => {
  it("does not close a client the caller passed in", async () => {
    const client = createClient({ url: ":memory:" });
    const store = createStore(createLibsqlDriver({ client }));
    await store.kv("ns").set("k", 1);
    await store.close();
    expect(client.closed).toBe(false);
    expect((await client.execute("SELECT count(*) FROM stowage_kv")).rows[0]?.[0]).toBe(1);
    expect(() => store.kv("ns")).toThrow(ClosedError);
    client.close();
  });

  it("closes its own client and throws ClosedError afterwards, idempotently", async () => {
    const driver = createLibsqlDriver({ url: ":memory:" });
    await driver.ping();
    await driver.close();
    await driver.close();
    await expect(driver.ping()).rejects.toThrow(ClosedError);
    await expect(driver.kv.getMany("ns", ["k"], Date.now())).rejects.toThrow(ClosedError);
  });
});

describe("errors", () => {
  it("reports a file it cannot open as UnavailableError", async () => {
    const driver = createLibsqlDriver({ url: "file:/nonexistent-dir-for-stowage/x.db" });
    await expect(driver.ping()).rejects.toThrow(UnavailableError);
    await driver.close();
    // Opening never connects: the first call fails.
    const store = await openStore("file:/nonexistent-dir-for-stowage/x.db");
    await expect(store.ping()).rejects.toThrow(UnavailableError);
    await store.close();
    const lazy = await openDriver("file:/nonexistent-dir-for-stowage/x.db");
    await expect(lazy.ping()).rejects.toThrow(UnavailableError);
    await lazy.close();
  });

  it("reports an unreachable server as UnavailableError without the token", async () => {
    const driver = createLibsqlDriver({
      url: "http://127.0.0.1:9?authToken=sekret-in-url",
      authToken: "sekret-token",
    });
    const error = await driver.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnavailableError);
    expect(String((error as Error).message)).not.toMatch(/sekret/);
    await driver.close();
  });

  it("rejects an invalid URL up front", () => {
    expect(() => createLibsqlDriver({ url: "file://remote-host/x.db" })).toThrow(ValidationError);
  });
});

describe("KV details", () => {
  it("lists prefixes by bytes: no LIKE wildcards, case-sensitive, multi-byte safe", async () => {
    const store = createStore(createLibsqlDriver({ url: ":memory:" }));
    const kv = store.kv("ns");
    const keys = [
      "a%b",
      "a%c",
      "aXb",
      "a_b",
      "aab",
      "A%b",
      "é1",
      "é2",
      "ê",
      "\u{10ffff}x",
      "\u{10ffff}",
      "\ud7ffz",
      "\ue000",
    ];
    await kv.setMany(keys.map((key) => ({ key, value: 1 })));
    expect((await kv.list({ prefix: "a%" })).items).toEqual(["a%b", "a%c"]);
    expect((await kv.list({ prefix: "a_" })).items).toEqual(["a_b"]);
    expect((await kv.list({ prefix: "é" })).items).toEqual(["é1", "é2"]);
    expect((await kv.list({ prefix: "\u{10ffff}" })).items).toEqual(["\u{10ffff}", "\u{10ffff}x"]);
    expect((await kv.list({ prefix: "\ud7ff" })).items).toEqual(["\ud7ffz"]);
    expect(await kv.count({ prefix: "a" })).toBe(5);
    await store.close();
  });

  it("computes prefix successors in code-point order", () => {
    expect(prefixSuccessor("ab")).toBe("ac");
    expect(prefixSuccessor("a\u{10ffff}")).toBe("b");
    expect(prefixSuccessor("\u{10ffff}\u{10ffff}")).toBeUndefined();
    expect(prefixSuccessor("x\ud7ff")).toBe("x\ue000");
    expect(prefixSuccessor("x\uffff")).toBe("x\u{10000}");
  });

  it("checks UTF-8 order of a page of keys (native < differs for surrogates against U+E000 and up)", () => {
    expect(ascendingUtf8([])).toBe(true);
    expect(ascendingUtf8(["a", "b", "é", "\uffff", "\u{10000}"])).toBe(true);
    // UTF-16 order puts the surrogate pair first; UTF-8 order does not.
    expect(ascendingUtf8(["x\u{10000}", "x\ue000"])).toBe(false);
    expect(ascendingUtf8(["x\ue000", "x\u{10000}"])).toBe(true);
    expect(ascendingUtf8(["b", "a"])).toBe(false);
    expect(ascendingUtf8(["a", "a"])).toBe(false);
    const keys = ["\u{1f600}", "\ufb01", "z", "\ud7ff", "\u{10ffff}", "a\ue000", "a\u{10000}"];
    const sorted = [...keys].sort(compareUtf8);
    expect(ascendingUtf8(sorted)).toBe(true);
    expect(ascendingUtf8([...keys].sort())).toBe(false);
  });

  it("writes and reads batches far above SQLite's bind-variable limit in one statement", async () => {
    const store = createStore(createLibsqlDriver({ url: tempDbUrl().url }));
    const kv = store.kv<number>("big");
    const n = 40_000;
    const items = Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: i }));
    await kv.setMany(items);
    expect(await kv.count()).toBe(n);
    const values = await kv.getMany(items.map((i) => i.key));
    expect(values[n - 1]).toBe(n - 1);
    // A conditional batch of the same size is all-or-nothing.
    const conditional = items.map((i) => ({
      key: i.key,
      value: -1,
      ifVersion: i.key === "k39999" ? 2 : 1,
    }));
    await expect(kv.setMany(conditional)).rejects.toThrow(ConflictError);
    expect(await kv.get("k0")).toBe(0);
    expect(await kv.deleteMany(items.map((i) => i.key))).toBe(n);
    await store.close();
  });

  it("reports the failing positions of a conditional batch and writes nothing", async () => {
    const driver = createLibsqlDriver({ url: ":memory:" });
    const now = Date.now();
    await driver.kv.setMany("ns", [{ key: "a", value: "1", expiresAt: null }], now);
    const result = await driver.kv.setMany(
      "ns",
      [
        { key: "x", value: "1", expiresAt: null, ifAbsent: true },
        { key: "a", value: "2", expiresAt: null, ifAbsent: true },
        { key: "y", value: "1", expiresAt: null, ifVersion: 1 },
      ],
      now,
    );
    expect(result).toEqual({ ok: false, conflicts: [1, 2] });
    expect(await driver.kv.getMany("ns", ["x", "a"], now)).toEqual([
      undefined,
      { value: "1", version: 1, expiresAt: null },
    ]);
    await driver.close();
  });

  it("treats expired entries as absent before they are swept, and restarts their version", async () => {
    let now = Date.now();
    const store = createStore(createLibsqlDriver({ url: ":memory:", sweepIntervalMs: 0 }), {
      now: () => now,
    });
    const kv = store.kv("ns");
    await kv.set("k", 1, { ttlMs: 1000 });
    await kv.set("k", 2, { ttlMs: 1000 });
    now += 1000;
    expect(await kv.get("k")).toBeUndefined();
    expect(await kv.count()).toBe(0);
    expect(await store.namespaces()).toEqual([]);
    expect(await kv.set("k", 3, { ifAbsent: true })).toBe(1);
    await store.close();
  });

  it("sweeps expired rows in the background", async () => {
    const { url } = tempDbUrl();
    const store = createStore(createLibsqlDriver({ url, sweepIntervalMs: 20 }));
    await store.kv("ns").set("short", 1, { ttlMs: 1 });
    await store.kv("ns").set("long", 1);
    const raw = createClient({ url });
    await vi.waitFor(
      async () => {
        const rs = await raw.execute("SELECT key FROM stowage_kv");
        expect(rs.rows.map((r) => r[0])).toEqual(["long"]);
      },
      { timeout: 10_000, interval: 20 },
    );
    raw.close();
    await store.close();
  });
});

describe("graph details", () => {
  it("merges props key by key, keeping nulls (unlike json_patch), and keeps the type when omitted", async () => {
    const store = createStore(createLibsqlDriver({ url: ":memory:" }));
    const g = store.graph("g");
    await g.upsertNode({ id: "n", type: "person", props: { a: 1, b: { deep: true }, c: "x" } });
    await g.upsertNode({ id: "n", props: { b: null, d: 0.1 + 0.2, 'q"k\\': 1 } });
    expect(await g.getNode("n")).toEqual({
      id: "n",
      type: "person",
      props: { a: 1, b: null, c: "x", d: 0.1 + 0.2, 'q"k\\': 1 },
    });
    await g.upsertNode({ id: "n", props: { z: 1 } }, { mode: "replace" });
    expect(await g.getNode("n")).toEqual({ id: "n", type: null, props: { z: 1 } });
    await g.upsertEdge({ from: "n", type: "r", to: "m", props: { w: 1, keep: 2 } });
    await g.upsertEdge({ from: "n", type: "r", to: "m", props: { w: null } });
    expect((await g.getEdge("n", "r", "m"))?.props).toEqual({ w: null, keep: 2 });
    expect(await g.getNode("m")).toEqual({ id: "m", type: null, props: {} });
    await store.close();
  });

  it("merges concurrent upserts of the same node from two drivers without losing a key", async () => {
    const { url } = tempDbUrl();
    const a = createStore(createLibsqlDriver({ url }));
    const b = createStore(createLibsqlDriver({ url }));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).graph("g").upsertNodes([{ id: "hub", props: { [`k${i}`]: i } }]),
      ),
    );
    expect(Object.keys((await a.graph("g").getNode("hub"))?.props ?? {})).toHaveLength(40);
    await a.close();
    await b.close();
  });

  it("wraps stray driver errors in StowageError", async () => {
    const client = createClient({ url: ":memory:" });
    const store = createStore(createLibsqlDriver({ client }));
    await store.ping();
    await client.execute("DROP TABLE stowage_nodes");
    await expect(store.graph("g").getNode("x")).rejects.toThrow(StowageError);
    await store.close();
    client.close();
  });
});
