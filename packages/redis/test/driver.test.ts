// Options, URLs, the caller's own client, credentials in errors, close().
import { createStore, openStore, UnavailableError, ValidationError } from "@stowage/core";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisDriver, openDriver } from "../src/index.ts";
import { deletePrefix, rawClient, testRedisUrl, uniquePrefix } from "./db.ts";

const url = testRedisUrl();
const prefix = uniquePrefix("driver");

afterAll(() => deletePrefix(url, prefix));

describe("redis driver options", () => {
  it("rejects prefixes that would change the hash tag or are not plain names", () => {
    for (const bad of ["", "a{b}", "{x}", "a b", "a*", "-a"]) {
      expect(() => createRedisDriver({ url, prefix: bad })).toThrow(ValidationError);
    }
    expect(() => createRedisDriver({ url: "http://localhost" })).toThrow(ValidationError);
    expect(() => createRedisDriver({ url, connectTimeoutMs: 0 })).toThrow(ValidationError);
  });

  it("opens by URL through openStore, with driver options", async () => {
    const store = await openStore(url, { driverOptions: { prefix } });
    try {
      expect(store.driverName).toBe("redis");
      await store.kv("by-url").set("k", "v");
      const raw = rawClient(url);
      expect(await raw.exists(`${prefix}:kv:{by-url}:v:k`)).toBe(1);
      raw.disconnect();
      const again = createStore(await openDriver(url, { prefix }));
      expect(await again.kv("by-url").get("k")).toBe("v");
      await again.close();
    } finally {
      await store.close();
    }
  });

  it("uses the caller's client and leaves it open on close", async () => {
    const client = new Redis(url);
    const store = createStore(createRedisDriver({ client, prefix }));
    await store.kv("own-client").set("k", 1);
    await store.close();
    expect(client.status).toBe("ready");
    expect(await client.exists(`${prefix}:kv:{own-client}:v:k`)).toBe(1);
    client.disconnect();
    expect(() =>
      createRedisDriver({ client: new Redis(url, { lazyConnect: true, keyPrefix: "x:" }) }),
    ).toThrow(ValidationError);
  });

  it("reports refused credentials as UnavailableError without the password", async () => {
    const u = new URL(url);
    u.username = "stowage-nobody";
    u.password = "s3cret-pw";
    const store = createStore(createRedisDriver({ url: u.toString(), connectTimeoutMs: 2_000 }));
    try {
      const error = await store.ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect(String((error as Error).message)).not.toContain("s3cret-pw");
      expect(String((error as Error).message)).toMatch(/WRONGPASS|NOAUTH|AUTH/);
    } finally {
      await store.close();
    }
  });

  it("closes idempotently, after which calls fail with ClosedError", async () => {
    const driver = createRedisDriver({ url, prefix });
    await driver.ping();
    await driver.close();
    await driver.close();
    await expect(driver.ping()).rejects.toMatchObject({ code: "CLOSED" });
    await expect(
      driver.kv.list("n", { prefix: "", limit: 1, withValues: false }, Date.now()),
    ).rejects.toMatchObject({ code: "CLOSED" });
    await expect(driver.graph?.stats("g")).rejects.toMatchObject({ code: "CLOSED" });
  });
});
