// Schema version 2 dropped the edges' foreign keys for a graph lock and a cascade trigger
// (src/graph-lock.ts): no edge may ever outlive an endpoint, also when deleteNodes races
// upsertEdges on real PostgreSQL; and a database made by version 1 is upgraded keeping its data.
import { createStore } from "@stowage/core";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresDriver } from "../src/index.ts";
import { migrations, tablesOf } from "../src/schema.ts";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";

const url = postgresUrl();
const schemas: string[] = [];
const raw = postgres(url, { max: 2, onnotice: () => {} });

afterAll(async () => {
  await raw.end();
  for (const s of schemas) await dropSchema(s);
});

function fresh(prefix: string): string {
  const s = uniqueSchema(prefix);
  schemas.push(s);
  return s;
}

/** Edges of `graph` with an endpoint that is not a node. */
async function dangling(schema: string, graph: string): Promise<number> {
  const [row] = await raw
    .unsafe(
      `SELECT count(*) FROM "${schema}".edges AS e WHERE e.graph = $1 AND (
         NOT EXISTS (SELECT 1 FROM "${schema}".nodes AS n WHERE n.graph = e.graph AND n.id = e.from_id)
         OR NOT EXISTS (SELECT 1 FROM "${schema}".nodes AS n WHERE n.graph = e.graph AND n.id = e.to_id))`,
      [graph],
    )
    .values();
  return Number(row?.[0]);
}

/** A small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe("graph integrity without foreign keys", () => {
  it("the dangling-edge check finds a dangling edge (so the race test can fail)", async () => {
    const schema = fresh("dang");
    const store = createStore(createPostgresDriver({ url, schema, max: 1 }));
    try {
      await store.graph("g").upsertEdges([{ from: "a", type: "t", to: "b" }]);
      expect(await dangling(schema, "g")).toBe(0);
      // Behind the driver's back: the schema no longer has foreign keys to stop this.
      await raw.unsafe(`DELETE FROM "${schema}".nodes WHERE graph = 'g' AND id = 'b'`);
      // ...but the cascade trigger still catches a plain DELETE.
      expect(await dangling(schema, "g")).toBe(0);
      await raw.unsafe(
        `INSERT INTO "${schema}".edges (graph, from_id, type, to_id) VALUES ('g', 'a', 't', 'zz')`,
      );
      expect(await dangling(schema, "g")).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("deleteNodes racing upsertEdges from other connections never leaves a dangling edge", async () => {
    const schema = fresh("race");
    // Separate pools: every call on its own connection, as from separate processes.
    const writers = [1, 2].map(() => createStore(createPostgresDriver({ url, schema, max: 2 })));
    const deleters = [1, 2].map(() => createStore(createPostgresDriver({ url, schema, max: 2 })));
    const ids = Array.from({ length: 24 }, (_, i) => `n${i}`);
    let deleted = 0;
    let written = 0;
    try {
      await writers[0]?.graph("race").upsertNodes(ids.map((id) => ({ id })));
      const until = Date.now() + 4000;
      const writer = async (seed: number, store: ReturnType<typeof createStore>) => {
        const rnd = random(seed);
        while (Date.now() < until) {
          const edges = Array.from({ length: 60 }, () => ({
            from: ids[Math.floor(rnd() * ids.length)] as string,
            type: rnd() < 0.5 ? "x" : "y",
            to: ids[Math.floor(rnd() * ids.length)] as string,
            props: { w: seed },
          }));
          await store.graph("race").upsertEdges(edges);
          written++;
        }
      };
      const deleter = async (seed: number, store: ReturnType<typeof createStore>) => {
        const rnd = random(seed);
        while (Date.now() < until) {
          const victims = Array.from({ length: 3 }, () => ids[Math.floor(rnd() * ids.length)]);
          await store.graph("race").deleteNodes(victims as string[]);
          deleted++;
        }
      };
      await Promise.all([
        ...writers.map((s, i) => writer(100 + i, s)),
        ...deleters.map((s, i) => deleter(200 + i, s)),
      ]);
      expect(written).toBeGreaterThan(5);
      expect(deleted).toBeGreaterThan(5);
      expect(await dangling(schema, "race")).toBe(0);
      // The writes did land (the race was not trivially won by the deleters).
      const [count] = await raw
        .unsafe(`SELECT count(*) FROM "${schema}".edges WHERE graph = 'race'`)
        .values();
      expect(Number(count?.[0])).toBeGreaterThan(0);
    } finally {
      for (const s of [...writers, ...deleters]) await s.close();
    }
  }, 30_000);

  it("clear() racing upsertEdges leaves either nothing or whole edges", async () => {
    const schema = fresh("clr");
    const writer = createStore(createPostgresDriver({ url, schema, max: 2 }));
    const clearer = createStore(createPostgresDriver({ url, schema, max: 2 }));
    try {
      const until = Date.now() + 2000;
      const rnd = random(7);
      await Promise.all([
        (async () => {
          while (Date.now() < until) {
            const edges = Array.from({ length: 40 }, (_, i) => ({
              from: `a${Math.floor(rnd() * 30)}`,
              type: "t",
              to: `b${i}`,
            }));
            await writer.graph("c").upsertEdges(edges);
          }
        })(),
        (async () => {
          while (Date.now() < until) await clearer.graph("c").clear();
        })(),
      ]);
      expect(await dangling(schema, "c")).toBe(0);
    } finally {
      await writer.close();
      await clearer.close();
    }
  }, 30_000);
});

it("deleteNodes racing edge writes inside slow transactions", async () => {
  // The widest window: the edge write's transaction commits 20 ms after its statement, so a
  // delete in between would leave its edges behind if nothing held it back.
  const schema = fresh("slow");
  const deleter = createStore(createPostgresDriver({ url, schema, max: 2 }));
  const writerSql = postgres(url, { max: 2, onnotice: () => {} });
  const ids = Array.from({ length: 8 }, (_, i) => `n${i}`);
  let deleted = 0;
  let written = 0;
  try {
    await deleter.graph("slow").upsertNodes(ids.map((id) => ({ id })));
    const until = Date.now() + 3000;
    const rnd = random(11);
    await Promise.all([
      ...[1, 2].map(async () => {
        while (Date.now() < until) {
          const edges = ids.map((to) => ({
            from: ids[Math.floor(rnd() * ids.length)] as string,
            type: "t",
            to,
            props: "{}",
          }));
          await writerSql.begin(async (tx) => {
            // The pool's options (the driver reads them), every query on the transaction.
            const inTx = new Proxy(writerSql, {
              get: (target, key) =>
                key === "unsafe" ? tx.unsafe.bind(tx) : Reflect.get(target, key),
            });
            const driver = createPostgresDriver({ sql: inTx, schema, sweepIntervalMs: 0 });
            await driver.graph?.upsertEdges("slow", edges, "merge");
            await tx`SELECT pg_sleep(0.02)`;
            await driver.close();
          });
          written++;
        }
      }),
      (async () => {
        while (Date.now() < until) {
          await deleter.graph("slow").deleteNodes([ids[Math.floor(rnd() * ids.length)] as string]);
          deleted++;
        }
      })(),
    ]);
    expect(written).toBeGreaterThan(5);
    expect(deleted).toBeGreaterThan(5);
    expect(await dangling(schema, "slow")).toBe(0);
  } finally {
    await deleter.close();
    await writerSql.end();
  }
}, 30_000);

describe("upgrade from schema version 1", () => {
  it("drops the foreign keys, adds the cascade, keeps every row; two drivers migrate once", async () => {
    const schema = fresh("v1");
    const t = tablesOf(schema);
    // The database exactly as version 1 left it, with data in every table.
    await raw.begin(async (tx) => {
      await tx.unsafe(`CREATE SCHEMA "${schema}"`);
      await tx.unsafe(
        `CREATE TABLE ${t.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      for (const statement of migrations(t)[0] ?? []) await tx.unsafe(statement);
      await tx.unsafe(`INSERT INTO ${t.migrations} (version) VALUES (1)`);
      await tx.unsafe(
        `INSERT INTO ${t.kv} (ns, key, value, version, expires_at) VALUES ('ns', 'k', '{"v":1}', 3, NULL)`,
      );
      await tx.unsafe(
        `INSERT INTO ${t.nodes} (graph, id, type, props) VALUES ('g', 'a', 'person', '{"n":1}'), ('g', 'b', NULL, '{}'), ('g', 'c', NULL, '{}')`,
      );
      await tx.unsafe(
        `INSERT INTO ${t.edges} (graph, from_id, type, to_id, props) VALUES ('g', 'a', 'knows', 'b', '{"w":2}'), ('g', 'b', 'knows', 'c', '{}')`,
      );
    });
    const foreignKeys = async () =>
      Number(
        (
          await raw
            .unsafe(
              `SELECT count(*) FROM pg_constraint WHERE conrelid = '${t.edges}'::regclass AND contype = 'f'`,
            )
            .values()
        )[0]?.[0],
      );
    expect(await foreignKeys()).toBe(2);

    const one = createStore(createPostgresDriver({ url, schema, max: 1 }));
    const two = createStore(createPostgresDriver({ url, schema, max: 1 }));
    try {
      // Both open the old schema at once: the advisory lock lets one of them migrate.
      const [entry, node] = await Promise.all([
        one.kv("ns").getEntry("k"),
        two.graph("g").getNode("a"),
      ]);
      expect(entry?.value).toEqual({ v: 1 });
      expect(entry?.version).toBe(3);
      expect(node).toEqual({ id: "a", type: "person", props: { n: 1 } });
      const versions = await raw
        .unsafe(`SELECT version FROM ${t.migrations} ORDER BY version`)
        .values();
      expect(versions).toEqual([[1], [2]]);
      expect(await foreignKeys()).toBe(0);
      expect((await one.graph("g").getEdge("a", "knows", "b"))?.props).toEqual({ w: 2 });
      // The cascade now comes from the trigger.
      await two.graph("g").deleteNodes(["b"]);
      expect(await one.graph("g").stats()).toEqual({ nodes: 2, edges: 0 });
      // Endpoint creation still works on the upgraded schema.
      await one.graph("g").upsertEdges([{ from: "a", type: "knows", to: "new" }]);
      expect(await two.graph("g").getNode("new")).toEqual({ id: "new", type: null, props: {} });
    } finally {
      await one.close();
      await two.close();
    }
  });
});
