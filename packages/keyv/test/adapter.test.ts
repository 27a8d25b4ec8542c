// KeyvStowage beyond Keyv's suite, on every built-in driver: how Keyv's namespaces, ttl, clear()
// and batch calls map onto one stowage namespace.
import KeyvGzip from "@keyv/compress-gzip";
import { ValidationError } from "@stowage/core";
import { DRIVERS, openTestStore, type TestStore } from "@stowage/test-stores";
import Keyv from "keyv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyvStowage } from "../src/index.ts";

describe.each(DRIVERS)("KeyvStowage on %s", (driver) => {
  let opened: TestStore;
  let count = 0;
  const fresh = () => new KeyvStowage(opened.store, `cache-${++count}`);
  beforeAll(async () => {
    opened = await openTestStore(driver, "keyvadapter");
  });
  afterAll(() => opened.cleanup());

  it("stores Keyv keys as they come (`namespace:key`), so any Keyv namespace works", async () => {
    const adapter = fresh();
    const keyv = new Keyv({ store: adapter, namespace: "sessions/eu:1 ü" });
    await keyv.set("user:1", { name: "ada" });
    expect(await keyv.get("user:1")).toEqual({ name: "ada" });
    expect((await adapter.kv.list()).items).toEqual(["sessions/eu:1 ü:user:1"]);
  });

  it("gives Keyv's ttl to the store as an expiry, so the backend drops the entry", async () => {
    const adapter = fresh();
    const keyv = new Keyv({ store: adapter });
    const before = Date.now();
    await keyv.set("short", "v", 60_000);
    await keyv.set("forever", "v");
    const [short, forever] = await adapter.kv.getEntries(["keyv:short", "keyv:forever"]);
    expect(short?.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(short?.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(forever?.expiresAt).toBeNull();
    await keyv.set("gone", "v", 30);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await adapter.kv.has("keyv:gone")).toBe(false);
  });

  it("clear() with a Keyv namespace removes that namespace only; without one, the stowage namespace only", async () => {
    // Keyv sets its namespace on the adapter instance: one adapter per Keyv instance.
    const name = `cache-${++count}`;
    const a = new Keyv({ store: new KeyvStowage(opened.store, name), namespace: "a" });
    const ab = new Keyv({ store: new KeyvStowage(opened.store, name), namespace: "ab" });
    const other = new Keyv({ store: fresh() });
    await a.set("k", 1);
    await ab.set("k", 2);
    await other.set("k", 3);
    await a.clear();
    expect(await a.get("k")).toBeUndefined();
    expect(await ab.get("k")).toBe(2);
    const whole = new KeyvStowage(opened.store, name);
    await whole.clear(); // no Keyv namespace: the whole stowage namespace
    expect(await whole.kv.count()).toBe(0);
    expect(await other.get("k")).toBe(3);
  });

  it("answers Keyv's batch calls in one call each", async () => {
    const adapter = fresh();
    const keyv = new Keyv({ store: adapter });
    await keyv.setMany([
      { key: "a", value: 1 },
      { key: "b", value: 2, ttl: 60_000 },
    ]);
    expect(await keyv.get(["a", "b", "c"])).toEqual([1, 2, undefined]);
    expect(await keyv.has(["a", "c"])).toEqual([true, false]);
    expect(await keyv.delete(["a", "c"])).toBe(true);
    expect(await adapter.kv.list()).toEqual({ items: ["keyv:b"], cursor: undefined });
  });

  it("keeps compressed values (Keyv's compression option) intact", async () => {
    const keyv = new Keyv<string>({ store: fresh(), compression: new KeyvGzip() as never });
    const text = "stowage ".repeat(200);
    await keyv.set("big", text); // gzip compresses string values
    expect(await keyv.get("big")).toBe(text);
    const stored = (await keyv.store.kv.get("keyv:big")) as string;
    expect(stored.length).toBeLessThan(text.length / 4);
  });

  it("rejects a stowage namespace outside the safe alphabet", () => {
    expect(() => new KeyvStowage(opened.store, "my cache")).toThrow(ValidationError);
  });
});
