// What the kit does not see: options, the caller's own `sql`, the stored layout, SQL
// metacharacters read back exactly, byte order with prefixes at the code point edges, the sweeper.
import { ClosedError, ValidationError, createStore, openStore } from "@stowage/core";
import postgres from "postgres";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createPostgresDriver, openDriver } from "../src/index.ts";
import { prefixEnd } from "../src/kv.ts";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";

const url = postgresUrl();
const schema = uniqueSchema("drv");
const raw = postgres(url, { max: 2, onnotice: () => {} });
const store = createStore(createPostgresDriver({ url, schema, max: 4 }));

afterAll(async () => {
  await store.close();
  await raw.end();
  await dropSchema(schema);
});

/** Keys, ids, types and property names made to break naive SQL, LIKE patterns and array literals. */
const NASTY = [
  "'; DROP TABLE kv; --",
  "a'b\"c",
  "100%",
  "under_score",
  "back\\slash",
  "\\\\",
  "$1",
  "$$ dollar $$",
  "{a,b}",
  "NULL",
  "null",
  " leading and trailing ",
  "line\nbreak\ttab\r",
  ":colon:*{hash}",
  "emoji 😀",
  "\u{10FFFF}",
  "\uFFFF",
  "é",
  "e\u0301",
  "(1,2)",
  '"quoted"',
  "E'\\x41'",
];

describe("SQL metacharacters", () => {
  it("stores and reads back keys and values exactly", async () => {
    const kv = store.kv<string>("meta");
    await kv.setMany(NASTY.map((key) => ({ key, value: `v:${key}` })));
    expect(await kv.getMany(NASTY)).toEqual(NASTY.map((k) => `v:${k}`));
    const listed = [];
    for await (const key of kv.keys({ pageSize: 3 })) listed.push(key);
    expect(listed).toEqual(
      [...NASTY].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    for (const key of NASTY) {
      expect(await kv.count({ prefix: key })).toBe(NASTY.filter((k) => k.startsWith(key)).length);
    }
    // The rows hold the keys as given: nothing was escaped into them.
    const rows = await raw
      .unsafe(`SELECT key FROM "${schema}".kv WHERE ns = 'meta' ORDER BY key`)
      .values();
    expect(rows.map((r) => r[0])).toEqual(listed);
    expect(await kv.deleteMany(NASTY)).toBe(NASTY.length);
  });

  it("stores and reads back node ids, types, edge types and property names exactly", async () => {
    const g = store.graph("meta");
    await g.upsertNodes(
      NASTY.map((id) => ({ id, type: id, props: { [id]: id, nested: { [id]: [id] } } })),
    );
    await g.upsertEdges(
      NASTY.map((id, i) => ({
        from: id,
        type: id,
        to: NASTY[(i + 1) % NASTY.length] as string,
        props: { [id]: id },
      })),
    );
    const nodes = await g.getNodes(NASTY);
    nodes.forEach((n, i) => {
      const id = NASTY[i] as string;
      expect(n).toEqual({ id, type: id, props: { [id]: id, nested: { [id]: [id] } } });
    });
    const first = NASTY[0] as string;
    const [out] = await g.neighbors(first, { direction: "out", types: [first] });
    expect(out?.id).toBe(NASTY[1]);
    expect(out?.edge.props).toEqual({ [first]: first });
    const reached = await g.traverse(first, { maxDepth: NASTY.length, types: [...NASTY] });
    expect(reached.nodes.map((n) => n.id).sort()).toEqual([...NASTY].sort());
    expect(reached.edges).toHaveLength(NASTY.length);
  });
});

describe("order and prefixes", () => {
  it("lists in UTF-8 byte order, with prefixes at the edges of the code point range", async () => {
    const kv = store.kv<number>("order");
    const keys = [
      "a",
      "a\u007f",
      "a\u0080",
      "a\uffff",
      "a\u{10000}",
      "a\u{10FFFF}",
      "a\u{10FFFF}\u{10FFFF}",
      "b",
      "\u{10FFFF}",
      "\uD7FF",
      "\uE000",
    ];
    await kv.setMany(keys.map((key, value) => ({ key, value })));
    const { items } = await kv.list({ limit: 100 });
    expect(items).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    expect(await kv.count({ prefix: "a" })).toBe(7);
    expect(await kv.count({ prefix: "a\u{10FFFF}" })).toBe(2);
    expect(await kv.count({ prefix: "\u{10FFFF}" })).toBe(1);
    expect(await kv.count({ prefix: "\uD7FF" })).toBe(1);
  });

  it("computes the end of a prefix range", () => {
    expect(prefixEnd("ab")).toBe("ac");
    expect(prefixEnd("a\u{10FFFF}")).toBe("b");
    expect(prefixEnd("\u{10FFFF}")).toBeUndefined();
    expect(prefixEnd("a\uD7FF")).toBe("a\uE000"); // surrogates are not characters
  });
});

describe("layout", () => {
  it("creates the schema with one row per migration, and a second driver reuses it", async () => {
    await store.kv("layout").set("k", 1);
    const other = createStore(createPostgresDriver({ url, schema, max: 1 }));
    expect(await other.kv("layout").get("k")).toBe(1);
    await other.close();
    const versions = await raw
      .unsafe(`SELECT version FROM "${schema}".migrations ORDER BY version`)
      .values();
    expect(versions).toEqual([[1], [2]]);
    const tables =
      await raw`SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY 1`.values();
    expect(tables.map((r) => r[0])).toEqual(["edges", "kv", "migrations", "nodes"]);
    const collations = await raw`
      SELECT table_name, column_name, collation_name FROM information_schema.columns
      WHERE table_schema = ${schema} AND data_type = 'text' ORDER BY 1, 2`.values();
    for (const [table, column, collation] of collations) {
      if (column !== "value")
        expect(`${table}.${column}:${collation}`).toBe(`${table}.${column}:C`);
    }
  });

  it("keeps values as the exact encoded text, and props as jsonb", async () => {
    await store.kv("layout").set("exact", { b: 1, a: [1.5, "x"] });
    const [[value]] = (await raw
      .unsafe(`SELECT value FROM "${schema}".kv WHERE ns = 'layout' AND key = 'exact'`)
      .values()) as unknown as [[string]];
    expect(value).toBe('{"b":1,"a":[1.5,"x"]}');
    await store.graph("layout").upsertNode({ id: "n", props: { p: 1 } });
    await store.graph("layout").upsertNode({ id: "n", props: { q: 2 } });
    const [[props]] = (await raw
      .unsafe(`SELECT props FROM "${schema}".nodes WHERE graph = 'layout' AND id = 'n'`)
      .values()) as unknown as [[unknown]];
    expect(props).toEqual({ p: 1, q: 2 });
  });

  it("sweeps expired rows in the background and leaves live ones", async () => {
    const s = createStore(createPostgresDriver({ url, schema, max: 1, sweepIntervalMs: 20 }));
    const kv = s.kv<number>("sweep");
    await kv.set("short", 1, { ttlMs: 1 });
    await kv.set("long", 2, { ttlMs: 3_600_000 });
    await kv.set("forever", 3);
    const keys = async () =>
      (
        await raw.unsafe(`SELECT key FROM "${schema}".kv WHERE ns = 'sweep' ORDER BY key`).values()
      ).map((r) => r[0]);
    await vi.waitFor(async () => expect(await keys()).toEqual(["forever", "long"]), {
      timeout: 20_000,
      interval: 50,
    });
    await s.close();
  });
});

describe("options", () => {
  it("uses the caller's sql instance and never ends it", async () => {
    const own = postgres(url, { max: 2, onnotice: () => {} });
    const driver = createPostgresDriver({ sql: own, schema });
    const s = createStore(driver);
    await s.kv("own").set("k", "v");
    await s.close();
    await expect(driver.kv.getMany("own", ["k"], Date.now())).rejects.toBeInstanceOf(ClosedError);
    const [[n]] = (await own`SELECT 1`.values()) as unknown as [[number]];
    expect(n).toBe(1);
    await own.end();
  });

  it("opens by URL through openStore and openDriver", async () => {
    const s = await openStore(url, { driverOptions: { schema, max: 1 } });
    expect(s.driverName).toBe("postgres");
    await s.kv("by-url").set("k", 1);
    expect(await store.kv("by-url").get("k")).toBe(1);
    await s.close();
    const d = await openDriver(url, { schema, max: 1 });
    await d.ping();
    await d.close();
    await d.close(); // idempotent
    await expect(d.ping()).rejects.toBeInstanceOf(ClosedError);
  });

  it("refuses a caller's sql instance that does not fetch array types", async () => {
    const own = postgres(url, { max: 1, fetch_types: false });
    expect(() => createPostgresDriver({ sql: own, schema })).toThrow(/fetch_types/);
    await own.end();
  });

  it("rejects bad options before connecting", () => {
    expect(() => createPostgresDriver({ url, schema: 'x"; DROP SCHEMA public; --' })).toThrow(
      ValidationError,
    );
    expect(() => createPostgresDriver({ url, schema: "1abc" })).toThrow(ValidationError);
    expect(() => createPostgresDriver({})).toThrow(ValidationError);
    expect(() => createPostgresDriver({ url, max: 0 })).toThrow(ValidationError);
    expect(() => createPostgresDriver({ url, connectTimeoutMs: -1 })).toThrow(ValidationError);
    let error: unknown;
    try {
      createPostgresDriver({ url: "postgres://u:s3cret-pw@host:notaport/db" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(
      JSON.stringify({ ...(error as object), message: (error as Error).message }),
    ).not.toContain("s3cret-pw");
  });
});
