// Redis-specific vector behaviour: the collection registry when several stores share collections.
// The shared semantics (search, filters, validation) are the conformance kit's job.
import { randomUUID } from "node:crypto";
import { createStore, type Store, ValidationError } from "@stowage/core";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisDriver } from "../src/index.ts";
import { deletePrefix, rawClient, testRedisUrl, uniquePrefix } from "./db.ts";

const url = testRedisUrl();
const prefix = uniquePrefix("vec");
let raw: Redis;
const stores: Store[] = [];

function open(): Store {
  const store = createStore(createRedisDriver({ url, prefix }));
  stores.push(store);
  return store;
}

function name(): string {
  return `c-${randomUUID().slice(0, 8)}`;
}

const names = async (store: Store) => (await store.vectorCollections()).map((c) => c.name);

beforeAll(() => {
  raw = rawClient(url);
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await deletePrefix(url, prefix);
  raw.disconnect();
});

describe("redis vector collections shared by several stores", () => {
  it("recreates a collection another store dropped on the next upsert, listed again", async () => {
    const [a, b] = [open(), open()];
    const c = name();
    const mine = a.vectors(c, { dims: 2, metric: "l2" });
    await mine.upsert([{ id: "x", vector: [1, 0] }]);
    expect(await names(b)).toContain(c);
    expect(await b.vectors(c, { dims: 2, metric: "l2" }).drop()).toBe(true);
    expect(await names(a)).not.toContain(c);
    // Store a still has it open (and verified): reads see an empty collection, like PostgreSQL.
    expect(await mine.count()).toBe(0);
    expect(await mine.get(["x"])).toEqual([undefined]);
    expect(await mine.query([1, 0], { k: 3 })).toEqual([]);
    // Its next upsert creates it again, with its definition, registered for every store.
    await mine.upsert([{ id: "y", vector: [0, 1], metadata: { n: 1 } }]);
    expect(await names(b)).toContain(c);
    expect((await b.vectorCollections()).find((s) => s.name === c)).toEqual({
      name: c,
      dims: 2,
      metric: "l2",
    });
    const theirs = b.vectors(c, { dims: 2, metric: "l2" });
    expect(await theirs.count()).toBe(1);
    expect(await theirs.get(["y"])).toEqual([
      { id: "y", vector: Float32Array.from([0, 1]), metadata: { n: 1 } },
    ]);
  });

  it("refuses an upsert into a collection recreated with another definition, writing nothing", async () => {
    const [a, b] = [open(), open()];
    const c = name();
    const mine = a.vectors(c, { dims: 2, metric: "cosine" });
    await mine.upsert([{ id: "x", vector: [1, 0] }]);
    await b.vectors(c, { dims: 2, metric: "cosine" }).drop();
    const theirs = b.vectors(c, { dims: 3, metric: "dot" });
    await theirs.upsert([{ id: "z", vector: [1, 2, 3] }]);
    const error = await mine.upsert([{ id: "y", vector: [0, 1] }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/dims 3 and metric dot/);
    expect(await theirs.count()).toBe(1);
    expect((await b.vectorCollections()).find((s) => s.name === c)).toEqual({
      name: c,
      dims: 3,
      metric: "dot",
    });
  });

  it("keeps the registry true when drops race with upserts from other stores", async () => {
    const [a, b] = [open(), open()];
    const c = name();
    const mine = a.vectors(c, { dims: 2, metric: "l2" });
    const theirs = b.vectors(c, { dims: 2, metric: "l2" });
    for (let round = 0; round < 30; round++) {
      await Promise.all([
        mine.upsert([{ id: `r${round}`, vector: [round, 1] }]),
        theirs.drop(),
        mine.upsert([{ id: `s${round}`, vector: [1, round] }]),
      ]);
      // Whatever the order: a collection that exists is registered, and listed exactly when it
      // exists (a registered name without a definition is not listed).
      const exists = (await raw.exists(`${prefix}:v:{${c}}:def`)) === 1;
      const registered = (await raw.zscore(`${prefix}:vcollections`, c)) !== null;
      if (exists) expect(registered, `round ${round}`).toBe(true);
      expect((await names(b)).includes(c), `round ${round}`).toBe(exists);
      expect((await names(a)).includes(c), `round ${round}`).toBe(exists);
      if (exists) expect(await mine.count()).toBeGreaterThan(0);
    }
    // Both of the last round's upserts ran after or before the drop: whatever is stored is whole.
    await mine.upsert([{ id: "last", vector: [1, 1] }]);
    expect(await names(b)).toContain(c);
    expect((await theirs.get(["last"]))[0]?.vector).toEqual(Float32Array.from([1, 1]));
  });
});
