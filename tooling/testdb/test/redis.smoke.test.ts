import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maskUrl, redisUrl } from "../src/index.ts";

describe(`Redis at ${maskUrl(redisUrl())}`, () => {
  let redis: Redis;
  const key = `stowage:smoke:${randomUUID()}`;

  beforeAll(async () => {
    redis = new Redis(redisUrl(), {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 10_000,
    });
    await redis.connect();
  });
  afterAll(async () => {
    await redis?.del(key);
    await redis?.quit();
  });

  it("answers PING", async () => {
    expect(await redis.ping()).toBe("PONG");
  });

  it("writes and reads back a value with a TTL", async () => {
    await redis.set(key, "héllo ✓", "PX", 60_000);
    expect(await redis.get(key)).toBe("héllo ✓");
    expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it("runs Lua scripts and transactions (the driver needs both)", async () => {
    expect(
      await redis.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, `${key}:n`, 41),
    ).toBe(41);
    const result = await redis.multi().incr(`${key}:n`).del(`${key}:n`).exec();
    expect(result).toEqual([
      [null, 42],
      [null, 1],
    ]);
  });

  it("is Redis 7 or newer", async () => {
    const version = /redis_version:(\S+)/.exec(await redis.info("server"))?.[1] ?? "";
    console.log(`[testdb] Redis server version ${version}`);
    expect(Number(version.split(".")[0])).toBeGreaterThanOrEqual(7);
  });
});
