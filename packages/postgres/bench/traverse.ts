// Native traversal (one recursive query) against core's default walk over neighbors() (one query
// per level), on a 50,000-edge graph. Run: node --conditions=@stowage/source bench/traverse.ts
// [--latency-ms=N] (STOWAGE_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test).
// With --latency-ms, the driver talks to the server through a local proxy that delays every
// chunk by N/2 ms each way: a round trip costs N ms more, as to a server on another machine.
// Makes and drops a schema of its own.
import { randomBytes } from "node:crypto";
import net from "node:net";
import { createStore, traverse } from "@stowage/core";
import type { Direction, GraphDriver } from "@stowage/core";
import postgres from "postgres";
import { createPostgresDriver } from "../src/index.ts";

const url = process.env.STOWAGE_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/test";
const schema = `bench_trav_${randomBytes(3).toString("hex")}`;
const NODES = 10_000;
const OUT_DEGREE = 5;
const latencyMs = Number(process.argv.find((a) => a.startsWith("--latency-ms="))?.split("=")[1] ?? 0);

/**
 * A TCP proxy to the server adding `ms / 2` each way (equal delays keep the byte order). Timers
 * are coarse: the round trip it makes is printed, measured.
 */
async function delayingProxy(target: URL, ms: number): Promise<{ url: string; close: () => void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      s.setNoDelay(true); // no Nagle stalls on top of the delay
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    const pipe = (from: net.Socket, to: net.Socket) => {
      from.on("data", (chunk) => setTimeout(() => to.write(chunk), ms / 2));
      from.on("end", () => setTimeout(() => to.end(), ms / 2));
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxied = new URL(target);
  proxied.hostname = "127.0.0.1";
  proxied.port = String((server.address() as net.AddressInfo).port);
  return {
    url: proxied.toString(),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const proxy = latencyMs > 0 ? await delayingProxy(new URL(url), latencyMs) : undefined;
const sql = postgres(url, { max: 1, onnotice: () => {} });
const driver = createPostgresDriver({ url: proxy?.url ?? url, schema, max: 2, sweepIntervalMs: 0 });
const store = createStore(driver);
const g = driver.graph as GraphDriver;

/** Deterministic pseudo-random targets, so every run sees the same graph. */
function target(i: number, j: number): number {
  return (i * 7919 + j * 104_729 + ((i * j) % 97)) % NODES;
}

async function median(n: number, fn: () => Promise<unknown>): Promise<number> {
  // Warm-up: each pooled connection prepares the statement and plans it a few times first.
  for (let i = 0; i < 20; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

try {
  const graph = store.graph("bench");
  const id = (i: number) => `n${String(i).padStart(5, "0")}`;
  for (let start = 0; start < NODES; start += 2000) {
    await graph.upsertNodes(Array.from({ length: 2000 }, (_, k) => ({ id: id(start + k), type: "entity", props: { name: `node ${start + k}`, rank: k } })));
  }
  const edges = new Map<string, { from: string; type: string; to: string; props: { w: number } }>();
  for (let i = 0; i < NODES; i++) {
    for (let j = 0; j < OUT_DEGREE; j++) {
      const e = { from: id(i), type: `t${j % 3}`, to: id(target(i, j)), props: { w: j } };
      edges.set(`${e.from} ${e.type} ${e.to}`, e);
    }
  }
  const all = [...edges.values()];
  for (let start = 0; start < all.length; start += 5000) await graph.upsertEdges(all.slice(start, start + 5000));
  const roundTrip = await median(50, () => driver.ping());
  console.log(
    `graph: ${JSON.stringify(await graph.stats())}; one round trip (ping) ${roundTrip.toFixed(2)} ms${latencyMs ? ` (through a proxy adding ${latencyMs} ms)` : ""}`,
  );
  for (const analyzed of [false, true]) {
    if (analyzed) await sql.unsafe(`ANALYZE "${schema}".nodes; ANALYZE "${schema}".edges`);
    console.log(analyzed ? "after ANALYZE:" : "fresh tables (no statistics yet):");
    for (const [direction, maxDepth] of [["out", 1], ["out", 2], ["out", 3], ["out", 4], ["both", 1], ["both", 2], ["both", 3]] as [Direction, number][]) {
      const options = { maxDepth, direction };
      const native = await traverse(g, "bench", id(1), options, true);
      const walked = await traverse(g, "bench", id(1), options, false);
      if (JSON.stringify(native) !== JSON.stringify(walked)) throw new Error(`answers differ for ${JSON.stringify(options)}`);
      const runs = maxDepth >= 3 ? 15 : 40;
      const a = await median(runs, () => traverse(g, "bench", id(1), options, true));
      const b = await median(runs, () => traverse(g, "bench", id(1), options, false));
      console.log(
        `  ${direction.padEnd(4)} depth ${maxDepth}: ${String(native.nodes.length).padStart(5)} nodes ${String(native.edges.length).padStart(5)} edges${native.truncated ? " (truncated)" : ""}  native ${a.toFixed(2).padStart(7)} ms  core walk ${b.toFixed(2).padStart(7)} ms  ${(b / a).toFixed(1)}×`,
      );
    }
  }
} finally {
  await store.close();
  await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await sql.end();
  proxy?.close();
}
