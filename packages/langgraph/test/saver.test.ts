// StowageSaver beyond LangGraph's kit, on every built-in driver: the key layout under odd ids,
// listings longer than one batch, write idempotence, deleteThread and the TTL option.
import { emptyCheckpoint, ERROR, uuid6 } from "@langchain/langgraph-checkpoint";
import { UnsupportedError, ValidationError } from "@stowage/core";
import { DRIVERS, openTestStore, type TestStore } from "@stowage/test-stores";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StowageSaver } from "../src/index.ts";

const meta = (step: number) => ({ source: "loop" as const, step, parents: {} });

async function putChain(
  saver: StowageSaver,
  thread: string,
  ns: string,
  count: number,
): Promise<string[]> {
  let config = { configurable: { thread_id: thread, checkpoint_ns: ns } } as Parameters<
    StowageSaver["put"]
  >[0];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const checkpoint = {
      ...emptyCheckpoint(),
      id: uuid6(i),
      channel_values: { n: i },
      channel_versions: { n: i + 1 },
    };
    config = await saver.put(config, checkpoint, meta(i), { n: i + 1 });
    await saver.putWrites(config, [["n", i * 10]], `task-${i}`);
    ids.push(checkpoint.id);
  }
  return ids;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe.each(DRIVERS)("StowageSaver on %s", (driver) => {
  let opened: TestStore;
  let count = 0;
  const fresh = (options = {}) =>
    new StowageSaver(opened.store, { namespace: `saver-${++count}`, ...options });
  beforeAll(async () => {
    opened = await openTestStore(driver, "lgsaver");
  });
  afterAll(() => opened.cleanup());

  it("lists a long thread newest first across batches, with before and limit", async () => {
    const saver = fresh();
    const ids = await putChain(saver, "long", "", 130);
    const all = await collect(saver.list({ configurable: { thread_id: "long" } }));
    expect(all.map((t) => t.checkpoint.id)).toEqual([...ids].reverse());
    expect(all[0]?.pendingWrites).toEqual([["task-129", "n", 1290]]);
    expect(all[0]?.checkpoint.channel_values).toEqual({ n: 129 });
    const page = await collect(
      saver.list(
        { configurable: { thread_id: "long" } },
        { before: { configurable: { checkpoint_id: ids[120] } }, limit: 3 },
      ),
    );
    expect(page.map((t) => t.checkpoint.id)).toEqual([ids[119], ids[118], ids[117]]);
    const latest = await saver.getTuple({ configurable: { thread_id: "long", checkpoint_ns: "" } });
    expect(latest?.checkpoint.id).toBe(ids[129]);
    expect(latest?.parentConfig?.configurable?.checkpoint_id).toBe(ids[128]);
  });

  it("keeps threads and namespaces with separator-like characters apart", async () => {
    const saver = fresh();
    const a = await putChain(saver, "a|b", "", 1);
    const b = await putChain(saver, "a", "b|", 1);
    const c = await putChain(saver, "a%7Cb", "ü:🙂", 1);
    const thread = async (thread_id: string) =>
      (await collect(saver.list({ configurable: { thread_id } }))).map((t) => t.checkpoint.id);
    expect(await thread("a|b")).toEqual(a);
    expect(await thread("a")).toEqual(b);
    expect(await thread("a%7Cb")).toEqual(c);
    const inNs = await collect(saver.list({ configurable: { checkpoint_ns: "ü:🙂" } }));
    expect(inNs.map((t) => t.config.configurable)).toEqual([
      { thread_id: "a%7Cb", checkpoint_ns: "ü:🙂", checkpoint_id: c[0] },
    ]);
  });

  it("keeps a stored regular write when a task is retried, replaces special writes", async () => {
    const saver = fresh();
    const config = await saver.put(
      { configurable: { thread_id: "w" } },
      emptyCheckpoint(),
      meta(0),
      {},
    );
    await saver.putWrites(config, [["out", "first"]], "task");
    await saver.putWrites(
      config,
      [
        ["out", "retried"],
        ["extra", 1],
      ],
      "task",
    );
    await saver.putWrites(config, [[ERROR, "boom"]], "task");
    await saver.putWrites(config, [[ERROR, "boom again"]], "task");
    const tuple = await saver.getTuple(config);
    expect(tuple?.pendingWrites).toEqual([
      ["task", ERROR, "boom again"],
      ["task", "out", "first"],
      ["task", "extra", 1],
    ]);
  });

  it("treats channel names like constructor and toString as plain data", async () => {
    const saver = fresh();
    const channel_values = { constructor: 2, toString: 3 };
    const channel_versions = { constructor: 1, toString: 1 };
    const checkpoint = { ...emptyCheckpoint(), channel_values, channel_versions };
    const config = await saver.put(
      { configurable: { thread_id: "proto" } },
      checkpoint,
      meta(0),
      channel_versions,
    );
    // WRITES_IDX_MAP is a plain object: "constructor" must not be looked up through its prototype.
    await saver.putWrites(
      config,
      [
        ["constructor", "w"],
        ["toString", "x"],
      ],
      "task",
    );
    const tuple = await saver.getTuple(config);
    expect(Object.entries(tuple!.checkpoint.channel_values)).toEqual([
      ["constructor", 2],
      ["toString", 3],
    ]);
    expect(Object.getPrototypeOf(tuple!.checkpoint.channel_values)).toBe(Object.prototype);
    expect(tuple?.pendingWrites).toEqual([
      ["task", "constructor", "w"],
      ["task", "toString", "x"],
    ]);
  });

  it("deleteThread removes the thread's checkpoints, writes and channel values, and nothing else", async () => {
    const saver = fresh();
    await putChain(saver, "gone", "", 3);
    await putChain(saver, "gone", "sub", 2);
    const kept = await putChain(saver, "kept", "", 2);
    await saver.deleteThread("gone");
    expect(await saver.kv.count({ prefix: "c|gone|" })).toBe(0);
    expect(await saver.kv.count({ prefix: "b|gone|" })).toBe(0);
    expect(
      (await collect(saver.list({ configurable: { thread_id: "kept" } }))).map(
        (t) => t.checkpoint.id,
      ),
    ).toEqual([...kept].reverse());
  });

  it("with ttlMs, every record of a put carries the expiry and the newest checkpoint keeps all its values", async () => {
    const saver = fresh({ ttlMs: (thread: string) => (thread === "short" ? 60_000 : undefined) });
    const before = Date.now();
    let config = await saver.put(
      { configurable: { thread_id: "short" } },
      { ...emptyCheckpoint(), channel_values: { a: 1, b: 2 }, channel_versions: { a: 1, b: 1 } },
      meta(0),
      { a: 1, b: 1 },
    );
    // The next checkpoint changes only `a`: `b` is written again so it expires with the new checkpoint.
    config = await saver.put(
      config,
      {
        ...emptyCheckpoint(),
        id: uuid6(1),
        channel_values: { a: 3, b: 2 },
        channel_versions: { a: 2, b: 1 },
      },
      meta(1),
      { a: 2 },
    );
    await saver.putWrites(config, [["a", 4]], "t");
    const keys: string[] = [];
    for await (const key of saver.kv.keys({ prefix: "" })) keys.push(key);
    const entries = await saver.kv.getEntries(keys);
    expect(entries).toHaveLength(6); // 2 checkpoints, 1 write, a@1, a@2, b@1
    for (const entry of entries) {
      expect(entry?.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
      expect(entry?.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    }
    expect((await saver.getTuple(config))?.checkpoint.channel_values).toEqual({ a: 3, b: 2 });
    // The function gives this thread no TTL: its records never expire.
    await saver.put({ configurable: { thread_id: "forever" } }, emptyCheckpoint(), meta(0), {});
    const [forever] = await saver.kv.getEntries(
      (await saver.kv.list({ prefix: "c|forever|" })).items,
    );
    expect(forever?.expiresAt).toBeNull();
  });

  it("rejects bad options and configs with typed errors", () => {
    expect(() => fresh({ ttlMs: -1 })).toThrow(ValidationError);
    expect(() => new StowageSaver(opened.store, { namespace: "no spaces" })).toThrow(
      ValidationError,
    );
    const saver = fresh();
    return Promise.all([
      expect(
        saver.put({ configurable: {} }, emptyCheckpoint(), meta(0), {}),
      ).rejects.toBeInstanceOf(ValidationError),
      expect(
        saver.putWrites({ configurable: { thread_id: "t" } }, [], "task"),
      ).rejects.toBeInstanceOf(ValidationError),
      expect(
        saver.put(
          { configurable: { thread_id: "t" } },
          { ...emptyCheckpoint(), id: "bad~id" },
          meta(0),
          {},
        ),
      ).rejects.toBeInstanceOf(ValidationError),
    ]);
  });
});

it("refuses ttlMs on a store whose driver has no expiry", async () => {
  const { store, cleanup } = await openTestStore("memory", "lgsaver");
  const noTtl = {
    ...store,
    capabilities: { ...store.capabilities, ttl: false },
    kv: store.kv.bind(store),
  };
  expect(() => new StowageSaver(noTtl as typeof store, { ttlMs: 1000 })).toThrow(UnsupportedError);
  await cleanup();
});
