import { createStore } from "@stowage/core";
import { describe, expect, it } from "vitest";
import { MemoryDatabase, createMemoryDriver, openDriver } from "../src/index.ts";

describe("memory driver specifics", () => {
  it("sweeps expired entries in the background without keeping them readable", async () => {
    const db = new MemoryDatabase();
    const driver = createMemoryDriver({ database: db, sweepIntervalMs: 5 });
    const store = createStore(driver);
    await store.kv("n").set("short", 1, { ttlMs: 1 });
    await store.kv("n").set("long", 2, { ttlMs: 60_000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(db.namespace("n")?.entries.has("short")).toBe(false);
    expect(await store.kv("n").get("long")).toBe(2);
    await store.close();
  });

  it("shares one dataset between drivers over one database, and declares it", async () => {
    const db = new MemoryDatabase();
    const a = createStore(createMemoryDriver({ database: db }));
    const b = createStore(createMemoryDriver({ database: db }));
    expect(a.capabilities.shared).toBe(true);
    expect(createMemoryDriver().capabilities.shared).toBe(false);
    await a.kv("n").set("k", "v");
    expect(await b.kv("n").get("k")).toBe("v");
    await a.close();
    expect(await b.kv("n").get("k")).toBe("v");
  });

  it("returns copies: mutating a read value does not change the stored one", async () => {
    const store = createStore(createMemoryDriver());
    await store.kv("n").set("k", { list: [1] });
    const first = (await store.kv("n").get("k")) as { list: number[] };
    first.list.push(2);
    expect(await store.kv("n").get("k")).toEqual({ list: [1] });
  });

  it("opens private datasets for memory: and named shared ones for memory://name", async () => {
    const a = createStore(await openDriver("memory:"));
    const b = createStore(await openDriver("memory:"));
    await a.kv("n").set("k", 1);
    expect(await b.kv("n").get("k")).toBeUndefined();
    const c = createStore(await openDriver("memory://team"));
    const d = createStore(await openDriver("memory://team"));
    await c.kv("n").set("k", 1);
    expect(await d.kv("n").get("k")).toBe(1);
  });
});
