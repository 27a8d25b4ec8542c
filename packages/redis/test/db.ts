// The one place tests learn where Redis is, and how they keep to their own keys on a shared server.
import { randomUUID } from "node:crypto";
import { deleteRedisPrefix, redisUrl } from "@stowage/testdb";
import { Redis } from "ioredis";

/** The run's Redis server: STOWAGE_REDIS_URL, or the Testcontainers one (tooling/testdb). */
export function testRedisUrl(): string {
  return redisUrl();
}

/** A key prefix no other test file uses. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomUUID().slice(0, 8)}`;
}

/** A plain client for looking at what the driver stored; connection errors are the tests' business. */
export function rawClient(url: string): Redis {
  const client = new Redis(url);
  client.on("error", () => {});
  return client;
}

/** Deletes every key under `prefix` (and nothing else: no FLUSHDB on a shared server). */
export function deletePrefix(url: string, prefix: string): Promise<void> {
  return deleteRedisPrefix(url, prefix);
}

/** Every key matching `pattern`, sorted (tests only: SCAN is fine for inspecting a test prefix). */
export async function keysUnder(raw: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await raw.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found.sort();
}
