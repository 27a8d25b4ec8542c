// Redis Cluster specifics on the run's cluster: the three ways in (URL, `cluster` option, the
// caller's Cluster client), where keys land, registries across slots, and bad input.
import { createStore, openStore, UnavailableError, ValidationError } from "@stowage/core";
import { redisClusterUrl } from "@stowage/testdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisDriver } from "../src/index.ts";
import {
  deleteClusterPrefix,
  keysUnder,
  rawClient,
  rawCluster,
  testRedisUrl,
  uniquePrefix,
} from "./db.ts";

const url = redisClusterUrl();
const prefix = uniquePrefix("cluster");
const seeds = url.replace(/^redis\+cluster:\/\//, "").split(",");

afterAll(() => deleteClusterPrefix(url, prefix));

describe("redis cluster", () => {
  const raw = rawCluster(url);
  beforeAll(() => new Promise<void>((resolve) => raw.once("ready", () => resolve())));
  afterAll(() => raw.disconnect());

  it("opens by redis+cluster:// URL through openStore, and by the cluster option", async () => {
    const store = await openStore(url, { driverOptions: { prefix } });
    try {
      await store.kv("by-url").set("k", "v");
      expect(await raw.exists(`${prefix}:kv:{by-url}:v:k`)).toBe(1);
    } finally {
      await store.close();
    }
    const byNodes = createStore(
      createRedisDriver({ cluster: { nodes: [seeds[1] as string] }, prefix }),
    );
    try {
      expect(await byNodes.kv("by-url").get("k")).toBe("v");
    } finally {
      await byNodes.close();
    }
  });

  it("uses the caller's Cluster client and leaves it open on close", async () => {
    const client = rawCluster(url);
    await new Promise((resolve) => client.once("ready", resolve));
    const store = createStore(createRedisDriver({ client, prefix }));
    await store.graph("own").upsertEdge({ from: "a", type: "t", to: "b" });
    await store.close();
    expect(client.status).toBe("ready");
    expect(await client.zcard(`${prefix}:g:{own}:nodes`)).toBe(2);
    client.disconnect();
  });

  it("keeps every key of a namespace or graph in its name's slot, and lists names across slots", async () => {
    const store = createStore(createRedisDriver({ url, prefix }));
    try {
      // Enough names to land on every master.
      const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
      for (const name of names) {
        await store.kv(name).set("k{x}", 1, { ttlMs: 60_000 });
        await store.graph(name).upsertEdge({ from: "a{b}", type: "t", to: "c" });
      }
      const slots = new Set<number>();
      for (const master of raw.nodes("master")) {
        for (const key of await keysUnder(master, `${prefix}:*:{n*`)) {
          const tag = /\{(n\d+)\}/.exec(key)?.[1];
          const slot = (await master.call("CLUSTER", "KEYSLOT", key)) as number;
          expect(slot).toBe((await master.call("CLUSTER", "KEYSLOT", `{${tag}}`)) as number);
          slots.add(slot);
        }
      }
      expect(slots.size).toBe(12);
      expect((await store.namespaces()).filter((n) => names.includes(n)).sort()).toEqual(
        [...names].sort(),
      );
      expect((await store.graphs()).filter((n) => names.includes(n)).sort()).toEqual(
        [...names].sort(),
      );
      // Cleared names leave the registries (and their slots hold nothing of them).
      await store.kv("n1").clear();
      await store.graph("n2").clear();
      expect(await store.namespaces()).not.toContain("n1");
      expect(await store.graphs()).not.toContain("n2");
      expect(await raw.zscore(`${prefix}:namespaces`, "n1")).toBeNull();
      expect(await raw.exists(`${prefix}:g:{n2}:out`, `${prefix}:g:{n2}:nodes`)).toBe(0);
      // Written again after a clear: listed again.
      await store.kv("n1").set("again", 1);
      expect(await store.namespaces()).toContain("n1");
    } finally {
      await store.close();
    }
  });

  it("a seed list where no node answers: UnavailableError at the first call, nothing thrown before", async () => {
    const driver = createRedisDriver({
      url: "redis+cluster://127.0.0.1:1,127.0.0.1:2",
      connectTimeoutMs: 500,
    });
    const store = createStore(driver);
    try {
      const started = Date.now();
      const error = await store
        .kv("x")
        .set("k", 1)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await store.close();
    }
  });

  it("a single Redis server given as redis+cluster://: UnavailableError saying so, nothing written", async () => {
    const single = new URL(testRedisUrl());
    const store = createStore(
      createRedisDriver({
        url: `redis+cluster://${single.hostname}:${single.port || 6379}`,
        prefix,
        connectTimeoutMs: 8_000,
      }),
    );
    try {
      const error = await store
        .kv("not-a-cluster")
        .set("k", 1)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(/not a Redis Cluster/);
    } finally {
      await store.close();
    }
    const check = rawClient(testRedisUrl());
    expect(await check.exists(`${prefix}:kv:{not-a-cluster}:v:k`, `${prefix}:namespaces`)).toBe(0);
    check.disconnect();
  });

  it("waitReplicas: acknowledged once a replica has the write; without one in time, UnavailableError", async () => {
    const store = createStore(createRedisDriver({ url, prefix, waitReplicas: 1 }));
    try {
      await store.kv("durable").setMany([
        { key: "a", value: 1 },
        { key: "b", value: 2 },
      ]);
      await store.graph("durable").upsertEdge({ from: "a", type: "t", to: "b" });
      expect(await store.kv("durable").get("b")).toBe(2);
    } finally {
      await store.close();
    }
    // A single server has no replica: the write is applied, but not acknowledged.
    const single = createStore(
      createRedisDriver({ url: testRedisUrl(), prefix, waitReplicas: 1, waitTimeoutMs: 50 }),
    );
    try {
      const error = await single
        .kv("durable")
        .set("k", 1)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(/reached 0 of 1 replicas/);
    } finally {
      await single.kv("durable").clear();
      await single.close();
    }
  });

  it("rejects URLs that mix the cluster and single-node forms, and bad cluster options", () => {
    const bad = [
      "redis://127.0.0.1:7000,127.0.0.1:7001", // a seed list needs redis+cluster://
      "redis+cluster://127.0.0.1:7000,127.0.0.1:7001/3", // a cluster has only database 0
      "redis+cluster://127.0.0.1:7000?db=2",
      "redis+cluster://",
      "redis+cluster://127.0.0.1:99999",
      "redis+cluster://user:pw@127.0.0.1:7000,,127.0.0.1:7001",
    ];
    for (const u of bad) {
      expect(() => createRedisDriver({ url: u }), u).toThrow(ValidationError);
    }
    expect(() => createRedisDriver({ url, cluster: { nodes: seeds } })).toThrow(ValidationError);
    expect(() => createRedisDriver({ cluster: { nodes: [] } })).toThrow(ValidationError);
    expect(() =>
      createRedisDriver({ cluster: { nodes: [{ host: "h", port: "x" as unknown as number }] } }),
    ).toThrow(ValidationError);
    expect(() => createRedisDriver({ url, waitReplicas: -1 })).toThrow(ValidationError);
    // The password never shows in the message.
    expect(() => createRedisDriver({ url: "redis://u:s3cret@h1:1,h2:2" })).toThrow(
      /^(?!.*s3cret).*redis\+cluster/,
    );
  });
});
