// StowageStore (LangGraph's BaseStore) on every built-in driver.
import { InvalidNamespaceError } from "@langchain/langgraph-checkpoint";
import { UnsupportedError } from "@stowage/core";
import { DRIVERS, openTestStore, type TestStore } from "@stowage/test-stores";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StowageStore } from "../src/index.ts";

describe.each(DRIVERS)("StowageStore on %s", (driver) => {
  let opened: TestStore;
  let count = 0;
  const fresh = () => new StowageStore(opened.store, { namespace: `store-${++count}` });
  beforeAll(async () => {
    opened = await openTestStore(driver, "lgstore");
  });
  afterAll(() => opened.cleanup());

  it("puts, gets, updates (createdAt kept, updatedAt moves) and deletes items", async () => {
    const store = fresh();
    expect(await store.get(["users", "ada"], "prefs")).toBeNull();
    await store.put(["users", "ada"], "prefs", { theme: "dark", since: new Date("2020-01-01") });
    const first = await store.get(["users", "ada"], "prefs");
    expect(first).toMatchObject({
      namespace: ["users", "ada"],
      key: "prefs",
      value: { theme: "dark" },
    });
    expect(first?.value.since).toEqual(new Date("2020-01-01"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.put(["users", "ada"], "prefs", { theme: "light" });
    const second = await store.get(["users", "ada"], "prefs");
    expect(second?.value).toEqual({ theme: "light" });
    expect(second?.createdAt).toEqual(first?.createdAt);
    expect(second!.updatedAt.getTime()).toBeGreaterThan(first!.updatedAt.getTime());
    await store.delete(["users", "ada"], "prefs");
    expect(await store.get(["users", "ada"], "prefs")).toBeNull();
  });

  it("keeps keys with any characters apart, and namespaces that share a prefix", async () => {
    const store = fresh();
    await store.put(["a"], "b::c", { n: 1 });
    await store.put(["a", "b"], "c", { n: 2 });
    await store.put(["ab"], "x", { n: 3 });
    expect((await store.get(["a"], "b::c"))?.value).toEqual({ n: 1 });
    expect((await store.get(["a", "b"], "c"))?.value).toEqual({ n: 2 });
    expect((await store.search(["a"])).map((i) => i.value.n)).toEqual([1, 2]);
    expect((await store.search(["ab"])).map((i) => i.value.n)).toEqual([3]);
    expect((await store.search([])).length).toBe(3);
  });

  it("searches with filters, offset and limit", async () => {
    const store = fresh();
    for (let i = 0; i < 12; i++) {
      await store.put(["docs"], `d${String(i).padStart(2, "0")}`, {
        n: i,
        kind: i % 2 === 0 ? "even" : "odd",
      });
    }
    const page = await store.search(["docs"], { filter: { kind: "even" }, offset: 1, limit: 3 });
    expect(page.map((i) => i.key)).toEqual(["d02", "d04", "d06"]);
    expect(page[0]).toHaveProperty("score", undefined);
    const ops = await store.search(["docs"], { filter: { n: { $gte: 9 } }, limit: 10 });
    expect(ops.map((i) => i.value.n)).toEqual([9, 10, 11]);
    const inList = await store.search(["docs"], {
      filter: { n: { $in: [1, 3] }, kind: { $ne: "even" } },
    });
    expect(inList.map((i) => i.value.n)).toEqual([1, 3]);
    expect(await store.search(["docs"])).toHaveLength(10); // LangGraph's default limit
  });

  it("lists namespaces by prefix, suffix, wildcard and depth; an emptied namespace disappears", async () => {
    const store = fresh();
    await store.put(["users", "ada", "prefs"], "k", { v: 1 });
    await store.put(["users", "bob", "prefs"], "k", { v: 1 });
    await store.put(["users", "bob", "notes"], "k", { v: 1 });
    await store.put(["teams", "core"], "k", { v: 1 });
    expect(await store.listNamespaces()).toEqual([
      ["teams", "core"],
      ["users", "ada", "prefs"],
      ["users", "bob", "notes"],
      ["users", "bob", "prefs"],
    ]);
    expect(await store.listNamespaces({ prefix: ["users", "*", "prefs"] })).toEqual([
      ["users", "ada", "prefs"],
      ["users", "bob", "prefs"],
    ]);
    expect(await store.listNamespaces({ suffix: ["notes"] })).toEqual([["users", "bob", "notes"]]);
    expect(await store.listNamespaces({ prefix: ["users"], maxDepth: 2 })).toEqual([
      ["users", "ada"],
      ["users", "bob"],
    ]);
    expect(await store.listNamespaces({ limit: 2, offset: 1 })).toEqual([
      ["users", "ada", "prefs"],
      ["users", "bob", "notes"],
    ]);
    await store.delete(["users", "bob", "notes"], "k");
    expect(await store.listNamespaces({ prefix: ["users", "bob"] })).toEqual([
      ["users", "bob", "prefs"],
    ]);
  });

  it("runs a batch: reads see the state before its writes, the last write of a key wins", async () => {
    const store = fresh();
    await store.put(["b"], "k", { v: "old" });
    const results: unknown[] = await store.batch([
      { namespace: ["b"], key: "k", value: { v: "first" } },
      { namespace: ["b"], key: "k" },
      { namespace: ["b"], key: "k", value: { v: "last" } },
      { namespace: ["b"], key: "gone", value: null },
      { namespacePrefix: ["b"], limit: 10, offset: 0 },
      { limit: 10, offset: 0 },
    ]);
    expect(results[0]).toBeUndefined();
    expect((results[1] as { value: unknown }).value).toEqual({ v: "old" });
    expect((results[4] as { value: unknown }[]).map((i) => i.value)).toEqual([{ v: "old" }]);
    expect(results[5]).toEqual([["b"]]);
    expect((await store.get(["b"], "k"))?.value).toEqual({ v: "last" });
  });

  it("rejects invalid namespaces before writing, and the index option until vectors exist", async () => {
    const store = fresh();
    await expect(store.put(["a.b"], "k", { v: 1 })).rejects.toBeInstanceOf(InvalidNamespaceError);
    await expect(
      store.batch([{ namespace: ["a", ""], key: "k", value: { v: 1 } }]),
    ).rejects.toBeInstanceOf(InvalidNamespaceError);
    await expect(store.put([], "k", { v: 1 })).rejects.toBeInstanceOf(InvalidNamespaceError);
    expect(await store.kv.count()).toBe(0);
    expect(() => new StowageStore(opened.store, { index: {} as never })).toThrow(UnsupportedError);
  });
});
