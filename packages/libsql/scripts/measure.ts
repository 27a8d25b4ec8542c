// Measurements quoted in the README. Run from the repo root:
//   node --conditions=@stowage/source packages/libsql/scripts/measure.ts
// Each figure is the median of several runs on a fresh temp file database (WAL, synchronous=NORMAL).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient, type Client } from "@libsql/client";
import { createStore, traverse } from "@stowage/core";
import { createLibsqlDriver } from "../src/index.ts";

const dir = mkdtempSync(path.join(tmpdir(), "stowage-measure-"));
let fileNo = 0;
const freshUrl = () => `file:${path.join(dir, `m${fileNo++}.db`)}`;

async function median(runs: number, fn: () => Promise<void>, setup?: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (setup) await setup();
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
const lines: string[] = [];
const report = (what: string, value: string) => {
  lines.push(`| ${what} | ${value} |`);
  console.log(`${what}: ${value}`);
};

async function rawClient(url: string): Promise<Client> {
  const c = createClient({ url, concurrency: 1 });
  await c.execute("PRAGMA journal_mode = WAL");
  await c.execute("PRAGMA synchronous = NORMAL");
  return c;
}

// 1. Writing 10k KV rows: one json_each statement (the driver) against a batch of per-row statements.
{
  const n = 10_000;
  const items = Array.from({ length: n }, (_, i) => ({ key: `key-${i}`, value: { i, name: `item ${i}` } }));
  let store = createStore(createLibsqlDriver({ url: freshUrl() }));
  const viaDriver = await median(
    5,
    async () => {
      await store.kv("bench").setMany(items);
    },
    async () => {
      await store.close();
      store = createStore(createLibsqlDriver({ url: freshUrl() }));
      await store.ping();
    },
  );
  await store.close();
  let raw: Client | undefined;
  const perRow = await median(
    5,
    async () => {
      await (raw as Client).batch(
        items.map((it) => ({
          sql: `INSERT INTO stowage_kv (ns, key, value, version, expires_at) VALUES (?, ?, ?, 1, NULL)
                ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, version = version + 1, expires_at = NULL`,
          args: ["bench", it.key, JSON.stringify(it.value)],
        })),
        "write",
      );
    },
    async () => {
      raw?.close();
      const url = freshUrl();
      const d = createLibsqlDriver({ url });
      await d.ping();
      await d.close();
      raw = await rawClient(url);
    },
  );
  raw?.close();
  report("setMany 10k rows, driver (one json_each statement)", ms(viaDriver));
  report("same rows, raw client.batch() of 10k INSERT statements", ms(perRow));
}

// 2. Single-key operations against the raw client doing the same SQL work.
{
  const url = freshUrl();
  const store = createStore(createLibsqlDriver({ url }));
  const kv = store.kv<{ n: number }>("bench");
  await kv.set("k", { n: 0 });
  const raw = await rawClient(url);
  const rounds = 2000;
  const driverSet = await median(5, async () => {
    for (let i = 0; i < rounds; i++) await kv.set("k", { n: i });
  });
  // The same work by hand: an upsert that restarts the version of an expired row.
  const rawSet = await median(5, async () => {
    for (let i = 0; i < rounds; i++) {
      await raw.execute({
        sql: `INSERT INTO stowage_kv (ns, key, value, version, expires_at) VALUES (?, ?, ?, 1, NULL)
              ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = NULL,
                version = CASE WHEN expires_at IS NOT NULL AND expires_at <= ? THEN 1 ELSE version + 1 END
              RETURNING version`,
        args: ["bench", "k", JSON.stringify({ n: i }), Date.now()],
      });
    }
  });
  const driverGet = await median(5, async () => {
    for (let i = 0; i < rounds; i++) await kv.get("k");
  });
  const rawGet = await median(5, async () => {
    for (let i = 0; i < rounds; i++) {
      const rs = await raw.execute({
        sql: "SELECT value, version, expires_at FROM stowage_kv WHERE ns = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)",
        args: ["bench", "k", Date.now()],
      });
      JSON.parse(String(rs.rows[0]?.[0]));
    }
  });
  const update = await median(5, async () => {
    for (let i = 0; i < rounds / 4; i++) await kv.update("k", (v) => ({ n: (v?.n ?? 0) + 1 }));
  });
  report(`set() one key, per call (${rounds} sequential calls)`, `${((driverSet * 1000) / rounds).toFixed(1)} µs (raw upsert: ${((rawSet * 1000) / rounds).toFixed(1)} µs)`);
  report(`get() one key, per call`, `${((driverGet * 1000) / rounds).toFixed(1)} µs (raw select: ${((rawGet * 1000) / rounds).toFixed(1)} µs)`);
  report("update() (read + compare-and-set), per call", `${((update * 1000) / (rounds / 4)).toFixed(1)} µs`);
  raw.close();
  await store.close();
}

// 3. Traversals on a random graph of 10k nodes and 50k edges.
{
  const url = freshUrl();
  const store = createStore(createLibsqlDriver({ url }));
  const g = store.graph("bench");
  const nodes = 10_000;
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const edges = new Map<string, { from: string; type: string; to: string }>();
  while (edges.size < 50_000) {
    const from = `n${Math.floor(random() * nodes)}`;
    const to = `n${Math.floor(random() * nodes)}`;
    edges.set(`${from}>${to}`, { from, type: "link", to });
  }
  const list = [...edges.values()];
  const insert = await median(1, async () => {
    for (let i = 0; i < list.length; i += 10_000) await g.upsertEdges(list.slice(i, i + 10_000));
  });
  report("upsertEdges 50k edges (5 calls of 10k, endpoints created)", ms(insert));
  const driver = createLibsqlDriver({ url });
  const graph = driver.graph as NonNullable<typeof driver.graph>;
  const cases = [
    { seeds: ["n1", "n2", "n3"], options: { maxDepth: 3, direction: "out" as const, maxNodes: 100_000 } },
    { seeds: ["n1"], options: { maxDepth: 2, direction: "both" as const, maxNodes: 100_000 } },
    { seeds: ["n1"], options: { maxDepth: 3, direction: "both" as const, maxNodes: 100_000 } },
    { seeds: ["n1"], options: { maxDepth: 10, direction: "out" as const, maxNodes: 100_000 } },
  ];
  for (const { seeds, options } of cases) {
    const result = await traverse(graph, "bench", seeds, options, true);
    await traverse(graph, "bench", seeds, options, false);
    const native = await median(7, async () => {
      await traverse(graph, "bench", seeds, options, true);
    });
    const levelWalk = await median(7, async () => {
      await traverse(graph, "bench", seeds, options, false);
    });
    report(
      `traverse depth ${options.maxDepth} ${options.direction} (${result.nodes.length} nodes, ${result.edges.length} edges)`,
      `native CTE ${ms(native)}, core level walk ${ms(levelWalk)}`,
    );
  }

  // Incoming edges with props, without INDEXED BY: the planner prefers the covering primary key.
  const rawForIndex = await rawClient(url);
  const incoming = (hint: string) => `SELECT json_group_array(json_array(e.src, e.type, e.props)) FROM json_each(?) AS q
    CROSS JOIN stowage_edges AS e${hint} ON e.graph = 'bench' AND e.dst = q.value`;
  const ids = JSON.stringify(Array.from({ length: 50 }, (_, i) => `n${i}`));
  const hinted = await median(5, async () => {
    await rawForIndex.execute({ sql: incoming(" INDEXED BY stowage_edges_in"), args: [ids] });
  });
  const unhinted = await median(3, async () => {
    await rawForIndex.execute({ sql: incoming(""), args: [ids] });
  });
  report("incoming edges of 50 nodes, INDEXED BY stowage_edges_in", ms(hinted));
  report("same without the hint (planner picks the primary key)", ms(unhinted));
  rawForIndex.close();

  // The planner without CROSS JOIN and without statistics: the one-level expansion, as a plain join.
  const raw = await rawClient(url);
  const seeds = ["n1", "n2", "n3"];
  const expansion = (join: string) => `
    WITH RECURSIVE r(id, depth) AS (
      SELECT value, 0 FROM json_each(?)
      UNION SELECT e.dst, r.depth + 1 FROM r ${join} stowage_edges AS e ON e.graph = 'bench' AND e.src = r.id WHERE r.depth < 3)
    SELECT count(DISTINCT id) FROM r`;
  const crossJoin = await median(5, async () => {
    await raw.execute({ sql: expansion("CROSS JOIN"), args: [JSON.stringify(seeds)] });
  });
  const plainJoin = await median(3, async () => {
    await raw.execute({ sql: expansion("JOIN"), args: [JSON.stringify(seeds)] });
  });
  report("naive recursive CTE depth 3 with CROSS JOIN", ms(crossJoin));
  report("same with a plain JOIN (no statistics)", ms(plainJoin));
  raw.close();
  await driver.close();
  await store.close();
}

console.log(`\n| measurement | result |\n|---|---|\n${lines.join("\n")}`);
rmSync(dir, { recursive: true, force: true });
