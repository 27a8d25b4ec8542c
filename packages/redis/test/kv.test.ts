// Redis-specific KV behaviour: key layout, the index staying honest, expiry by the caller's clock,
// byte order across UTF-8, batches. The shared semantics are the conformance kit's job.
import { randomUUID } from "node:crypto";
import { ConflictError, createStore, encodeValue, type Store } from "@stowage/core";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createRedisDriver } from "../src/index.ts";
import { deletePrefix, rawClient, testRedisUrl, uniquePrefix, keysUnder } from "./db.ts";
import { startPrivateServer } from "./private-server.ts";

const url = testRedisUrl();
const prefix = uniquePrefix("kv");
let raw: Redis;
const stores: Store[] = [];

function open(now?: () => number): Store {
  const store = createStore(createRedisDriver({ url, prefix }), now ? { now } : {});
  stores.push(store);
  return store;
}

function ns(): string {
  return `ns-${randomUUID().slice(0, 8)}`;
}

beforeAll(async () => {
  raw = rawClient(url);
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await deletePrefix(url, prefix);
  raw.disconnect();
});

describe("redis kv layout", () => {
  it("puts every key of a namespace under one hash tag, user keys after it", async () => {
    const store = open();
    const name = ns();
    const kv = store.kv(name);
    await kv.setMany([
      { key: "{evil}", value: 1 },
      { key: "a:b:{c}", value: 2 },
      { key: "}{", value: 3, ttlMs: 60_000 },
    ]);
    const keys = await keysUnder(raw, `${prefix}:kv:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      // Redis hashes the text between the first "{" and the next "}".
      const open = key.indexOf("{");
      expect(key.slice(open + 1, key.indexOf("}", open))).toBe(name);
    }
    expect(keys).toEqual(
      [
        `${prefix}:kv:{${name}}:i`,
        `${prefix}:kv:{${name}}:x`,
        `${prefix}:kv:{${name}}:v:{evil}`,
        `${prefix}:kv:{${name}}:v:a:b:{c}`,
        `${prefix}:kv:{${name}}:v:}{`,
      ].sort(),
    );
    // Same slot for all of them.
    const slots = new Set(
      await Promise.all(keys.map((k) => raw.cluster("KEYSLOT", k).catch(() => null))),
    );
    if (!slots.has(null)) expect(slots.size).toBe(1);
    // The stored entry: "<version>:<expiresAt>:<encoded value>", with the expiry set on the key too.
    const entry = await raw.get(`${prefix}:kv:{${name}}:v:}{`);
    expect(entry).toMatch(/^1:\d+:/);
    expect(await raw.pttl(`${prefix}:kv:{${name}}:v:}{`)).toBeGreaterThan(50_000);
    expect(await raw.get(`${prefix}:kv:{${name}}:v:{evil}`)).toBe(
      `1::${encodeValue(1, { maxBytes: 100 })}`,
    );
  });

  it("clears one namespace only and forgets it", async () => {
    const store = open();
    const [a, b] = [ns(), ns()];
    await store
      .kv(a)
      .setMany(Array.from({ length: 2_500 }, (_, i) => ({ key: `k${i}`, value: i })));
    await store.kv(b).set("keep", true);
    expect(await store.namespaces()).toEqual(expect.arrayContaining([a, b]));
    await store.kv(a).clear();
    expect(await store.kv(a).count()).toBe(0);
    expect(await store.kv(b).get("keep")).toBe(true);
    expect(await keysUnder(raw, `${prefix}:kv:{${a}}:*`)).toEqual([]);
    expect(await raw.zscore(`${prefix}:namespaces`, a)).toBeNull();
    expect(await store.namespaces()).not.toContain(a);
  });
});

describe("redis kv registry", () => {
  it("re-registers a namespace that another driver cleared and forgot meanwhile", async () => {
    const [a, b] = [open(), open()];
    const name = ns();
    await a.kv(name).set("k", 1); // registers, and driver a remembers that it did
    await b.kv(name).clear(); // empty: b forgets it from the registry
    expect(await raw.zscore(`${prefix}:namespaces`, name)).toBeNull();
    await a.kv(name).set("k", 2); // a's script sees the namespace empty and registers it again
    expect(await b.namespaces()).toContain(name);
    await a.kv(name).set("k2", 3); // not empty before: no registration needed
    await b.kv(name).deleteMany(["k", "k2"]);
    expect(await b.namespaces()).not.toContain(name);
    await a.kv(name).set("again", true);
    expect(await b.namespaces()).toContain(name);
  });
});

describe("redis kv order and prefixes", () => {
  it("lists in UTF-8 byte order and bounds prefixes by bytes, including 4-byte characters", async () => {
    const kv = open().kv(ns());
    const keys = [
      "a",
      "a\u0001",
      "a~",
      "a\u00ff",
      "a\uffff",
      "a😀",
      "a😀x",
      "a😁",
      "b",
      "😀",
      "😀\u0001",
      "😀😀",
      "😁",
      "\uffff",
      "\ufffd",
    ];
    await kv.setMany(keys.map((key) => ({ key, value: key })));
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const listed: string[] = [];
    for await (const k of kv.keys({ pageSize: 2 })) listed.push(k);
    expect(listed).toEqual(byBytes);
    for (const p of ["a", "a😀", "😀", "\uffff", "a\u00ff"]) {
      const expected = byBytes.filter((k) => k.startsWith(p));
      const got: string[] = [];
      for await (const k of kv.keys({ prefix: p, pageSize: 3 })) got.push(k);
      expect(got, `prefix ${p}`).toEqual(expected);
      expect(await kv.count({ prefix: p })).toBe(expected.length);
    }
  });
});

describe("redis kv expiry", () => {
  it("hides entries expired by the caller's clock before Redis removes them", async () => {
    let clock = Date.now();
    const store = open(() => clock);
    const name = ns();
    const kv = store.kv(name);
    await kv.set("short", 1, { ttlMs: 1_000 });
    await kv.set("long", 2, { ttlMs: 3_600_000 });
    await kv.set("plain", 3);
    clock += 2_000; // ahead of Redis' clock: the key still exists there
    expect(await raw.exists(`${prefix}:kv:{${name}}:v:short`)).toBe(1);
    expect(await kv.get("short")).toBeUndefined();
    expect(await kv.has("short")).toBe(false);
    expect((await kv.list()).items).toEqual(["long", "plain"]);
    expect(await kv.count()).toBe(2);
    expect(await kv.count({ prefix: "s" })).toBe(0);
    expect(await kv.missing(["short", "long"])).toEqual(["short"]);
    // An expired key is absent for conditions too, and starts again at version 1.
    expect(await kv.set("short", 4, { ifAbsent: true })).toBe(1);
    expect(await kv.getEntry("short")).toMatchObject({ value: 4, version: 1, expiresAt: null });
    // A write without expiry cleared it, on the key and in the expiry index.
    expect(await raw.pttl(`${prefix}:kv:{${name}}:v:short`)).toBe(-1);
    expect(await raw.zscore(`${prefix}:kv:{${name}}:x`, "short")).toBeNull();
    clock += 7_200_000;
    expect(await store.namespaces()).toContain(name);
    await kv.deleteMany(["short", "plain"]);
    expect(await store.namespaces()).not.toContain(name);
  });

  it("pages through a namespace with expiring keys in large pages", async () => {
    const kv = open().kv(ns());
    await kv.setMany(
      Array.from({ length: 2_500 }, (_, i) => ({
        key: `k${String(i).padStart(4, "0")}`,
        value: i,
        ...(i % 2 ? { ttlMs: 60_000 } : {}),
      })),
    );
    const page = await kv.list({ limit: 2_000 });
    expect(page.items.length).toBe(2_000);
    expect(page.items[1_999]).toBe("k1999");
    const rest = await kv.list({ limit: 2_000, cursor: page.cursor as string });
    expect(rest.items.length).toBe(500);
  });

  it("removes index entries of keys Redis has expired while listing and counting", async () => {
    const store = open();
    const name = ns();
    const kv = store.kv(name);
    await kv.setMany(
      Array.from({ length: 20 }, (_, i) => ({ key: `gone${i}`, value: i, ttlMs: 1 })),
    );
    await kv.set("stays", true);
    // Wait until Redis itself has expired them (PEXPIREAT), without depending on how fast.
    for (let i = 0; i < 200 && (await raw.exists(`${prefix}:kv:{${name}}:v:gone0`)) === 1; i++)
      await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 5));
    expect(await raw.zcard(`${prefix}:kv:{${name}}:i`)).toBe(21);
    expect(await kv.count()).toBe(1);
    expect(await raw.zcard(`${prefix}:kv:{${name}}:i`)).toBe(1);
    expect(await raw.zcard(`${prefix}:kv:{${name}}:x`)).toBe(0);
    await kv.setMany(
      Array.from({ length: 5 }, (_, i) => ({ key: `again${i}`, value: i, ttlMs: 1 })),
    );
    for (let i = 0; i < 200 && (await raw.exists(`${prefix}:kv:{${name}}:v:again4`)) === 1; i++)
      await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 5));
    expect((await kv.list()).items).toEqual(["stays"]);
    expect(await raw.zcard(`${prefix}:kv:{${name}}:i`)).toBe(1);
  });
});

describe("redis kv single writes", () => {
  it("keeps both indexes exact through one-key writes that add, change and drop an expiry", async () => {
    const store = open();
    const name = ns();
    const kv = store.kv(name);
    const index = `${prefix}:kv:{${name}}:i`;
    const expiry = `${prefix}:kv:{${name}}:x`;
    const indexes = async () => [
      await raw.zrange(index, "0", "-1"),
      await raw.zrange(expiry, "0", "-1"),
    ];
    expect(await kv.set("a", 1)).toBe(1);
    expect(await store.namespaces()).toContain(name);
    expect(await indexes()).toEqual([["a"], []]);
    expect(await kv.set("a", 2, { ttlMs: 60_000 })).toBe(2);
    expect(await indexes()).toEqual([["a"], ["a"]]);
    expect(await kv.set("a", 3, { ttlMs: 120_000 })).toBe(3);
    expect(await raw.zscore(expiry, "a")).toBe(String((await kv.getEntry("a"))?.expiresAt));
    expect(await kv.set("a", 4)).toBe(4);
    expect(await indexes()).toEqual([["a"], []]);
    expect(await raw.pttl(`${prefix}:kv:{${name}}:v:a`)).toBe(-1);
    // An entry Redis has expired, whose index entries are still there: the next write starts at
    // version 1 and leaves one index entry and no stale expiry entry.
    expect(await kv.set("b", 1, { ttlMs: 1 })).toBe(1);
    for (let i = 0; i < 200 && (await raw.exists(`${prefix}:kv:{${name}}:v:b`)) === 1; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(await indexes()).toEqual([["a", "b"], ["b"]]);
    expect(await kv.set("b", 2)).toBe(1);
    expect(await indexes()).toEqual([["a", "b"], []]);
    expect(await kv.update("b", (v) => (v as number) + 1)).toMatchObject({ value: 3, version: 2 });
    expect(await kv.count()).toBe(2);
    await kv.clear();
    expect(await store.namespaces()).not.toContain(name);
    expect(await kv.set("c", 1)).toBe(1);
    expect(await store.namespaces()).toContain(name);
  });
});

describe("redis kv batches", () => {
  it("keeps both indexes exact through batches that add, change and drop expiries", async () => {
    const store = open();
    const name = ns();
    const kv = store.kv(name);
    const index = `${prefix}:kv:{${name}}:i`;
    const expiry = `${prefix}:kv:{${name}}:x`;
    // The expiry index sorts by expiry: compare its members as a set.
    const indexes = async () => [
      await raw.zrange(index, "0", "-1"),
      (await raw.zrange(expiry, "0", "-1")).sort(),
    ];
    // Unconditional batches (the path that sends no conditions at all).
    expect(
      await kv.setMany([
        { key: "a", value: 1 },
        { key: "b", value: 1, ttlMs: 60_000 },
        { key: "c", value: 1, ttlMs: 1 },
      ]),
    ).toEqual([1, 1, 1]);
    expect(await store.namespaces()).toContain(name);
    expect(await indexes()).toEqual([
      ["a", "b", "c"],
      ["b", "c"],
    ]);
    // "c" expired in Redis with its index entries left behind.
    for (let i = 0; i < 200 && (await raw.exists(`${prefix}:kv:{${name}}:v:c`)) === 1; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(
      await kv.setMany([
        { key: "a", value: 2, ttlMs: 60_000 }, // gains an expiry
        { key: "b", value: 2 }, // loses its expiry
        { key: "c", value: 2 }, // expired: starts again at 1, stale expiry entry removed
        { key: "d", value: 2 }, // new
      ]),
    ).toEqual([2, 2, 1, 1]);
    expect(await indexes()).toEqual([["a", "b", "c", "d"], ["a"]]);
    expect(await raw.pttl(`${prefix}:kv:{${name}}:v:b`)).toBe(-1);
    expect(await raw.pttl(`${prefix}:kv:{${name}}:v:a`)).toBeGreaterThan(50_000);
    expect(await raw.get(`${prefix}:kv:{${name}}:v:a`)).toMatch(/^2:\d+:/);
    expect(await raw.zscore(expiry, "a")).toBe(String((await kv.getEntry("a"))?.expiresAt));
    // A conditional batch takes the other argument layout: same indexes, same versions.
    expect(
      await kv.setMany([
        { key: "a", value: 3, ifVersion: 2 },
        { key: "e", value: 3, ifAbsent: true, ttlMs: 60_000 },
        { key: "d", value: 3 },
      ]),
    ).toEqual([3, 1, 2]);
    expect(await indexes()).toEqual([["a", "b", "c", "d", "e"], ["e"]]);
    expect(await kv.getEntries(["a", "b", "c", "d", "e"])).toMatchObject([
      { value: 3, version: 3, expiresAt: null },
      { value: 2, version: 2, expiresAt: null },
      { value: 2, version: 1 },
      { value: 3, version: 2 },
      { value: 3, version: 1 },
    ]);
    // Deletes, with and without conditions, remove all three kinds of keys.
    await expect(kv.delete("e", { ifVersion: 2 })).rejects.toBeInstanceOf(ConflictError);
    expect(await kv.delete("e", { ifVersion: 1 })).toBe(true);
    expect(await kv.deleteMany(["a", "b", "zz"])).toBe(2);
    expect(await indexes()).toEqual([["c", "d"], []]);
    expect(await keysUnder(raw, `${prefix}:kv:{${name}}:v:*`)).toEqual([
      `${prefix}:kv:{${name}}:v:c`,
      `${prefix}:kv:{${name}}:v:d`,
    ]);
    await kv.deleteMany(["c", "d"]);
    expect(await keysUnder(raw, `${prefix}:kv:{${name}}:*`)).toEqual([]);
  });

  it("applies a conditional batch all or nothing, and reports every conflict", async () => {
    const kv = open().kv(ns());
    await kv.setMany([
      { key: "a", value: 1 },
      { key: "b", value: 1 },
    ]);
    const error = await kv
      .setMany([
        { key: "a", value: 2, ifVersion: 1 },
        { key: "b", value: 2, ifVersion: 7 },
        { key: "c", value: 2, ifAbsent: true },
        { key: "a2", value: 2, ifVersion: 1 },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).keys).toEqual(["b", "a2"]);
    expect(await kv.getMany(["a", "b", "c"])).toEqual([1, 1, undefined]);
    expect(
      await kv.setMany([
        { key: "a", value: 3, ifVersion: 1 },
        { key: "c", value: 3, ifAbsent: true },
      ]),
    ).toEqual([2, 1]);
    await expect(kv.delete("a", { ifVersion: 1 })).rejects.toBeInstanceOf(ConflictError);
    expect(await kv.delete("a", { ifVersion: 2 })).toBe(true);
    expect(await kv.deleteMany(["a", "b", "c", "zz"])).toBe(2);
  });

  it("loses no increment under concurrent update() from two drivers", async () => {
    const name = ns();
    const [a, b] = [open().kv<number>(name), open().kv<number>(name)];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).update("n", (v) => (v ?? 0) + 1)),
    );
    expect(await a.getEntry("n")).toMatchObject({ value: 40, version: 40 });
  });

  it("takes batches far larger than a call stack can spread", async () => {
    // One script of 150,000 writes: on a loaded machine it can outlast the default 10 s timeout,
    // and it would block the shared server for the other test files: a private server.
    const server = await startPrivateServer();
    const store = createStore(
      createRedisDriver({ url: server.url, prefix, commandTimeoutMs: 60_000 }),
    );
    onTestFinished(async () => {
      await store.close();
      await server.stop();
    });
    const kv = store.kv(ns());
    const keys = Array.from({ length: 150_000 }, (_, i) => `k${i}`);
    await kv.setMany(keys.map((key) => ({ key, value: 1 })));
    expect((await kv.getMany(keys)).every((v) => v === 1)).toBe(true);
    expect(await kv.deleteMany(keys)).toBe(150_000);
    expect(await kv.count()).toBe(0);
  }, 90_000);

  it("writes a batch of 10,000 entries in one script", async () => {
    const kv = open().kv(ns());
    const items = Array.from({ length: 10_000 }, (_, i) => ({
      key: `key:${String(i).padStart(5, "0")}`,
      value: { i },
    }));
    const started = performance.now();
    const versions = await kv.setMany(items);
    const writeMs = performance.now() - started;
    expect(versions.every((v) => v === 1)).toBe(true);
    const t2 = performance.now();
    expect(await kv.count()).toBe(10_000);
    const countMs = performance.now() - t2;
    const page = await kv.list({ prefix: "key:09", limit: 5 });
    expect(page.items).toEqual(["key:09000", "key:09001", "key:09002", "key:09003", "key:09004"]);
    const t3 = performance.now();
    await kv.clear();
    const clearMs = performance.now() - t3;
    console.log(
      `[redis] 10k setMany ${writeMs.toFixed(0)} ms, count ${countMs.toFixed(1)} ms, clear ${clearMs.toFixed(0)} ms`,
    );
  });
});
