// Fault test on a throwaway redis-server of our own: pause it (SIGSTOP) and kill it during a run
// of batches. Operations must fail with UnavailableError within a bounded time, never hang; no
// batch may be half applied; the same store must work again once the server is back.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createStore, type Store, UnavailableError } from "@stowage/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisDriver } from "../src/index.ts";
import { freePort, REDIS_SERVER } from "./private-server.ts";

/** Generous: the driver is configured for 1 s connect and command timeouts. */
const BOUND_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Server {
  readonly port: number;
  readonly dir: string;
  process: ChildProcess | undefined;

  constructor(port: number) {
    this.port = port;
    this.dir = mkdtempSync(path.join(tmpdir(), "stowage-redis-fault-"));
  }

  /** AOF with fsync on every write: a kill must not lose or split what was acknowledged. */
  start(): void {
    this.process = spawn(
      REDIS_SERVER as string,
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--dir",
        this.dir,
      ],
      { stdio: "ignore" },
    );
  }

  signal(sig: NodeJS.Signals): void {
    this.process?.kill(sig);
  }

  async kill(): Promise<void> {
    const p = this.process;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    this.signal("SIGCONT");
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Time of one operation, and how it ended. */
async function timed(op: () => Promise<unknown>): Promise<{ ms: number; error?: unknown }> {
  const started = performance.now();
  try {
    await op();
    return { ms: performance.now() - started };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const BATCH = 50;

describe.skipIf(!REDIS_SERVER)("redis fault tolerance (own redis-server)", () => {
  let server: Server;
  let store: Store;

  beforeAll(async () => {
    server = new Server(await freePort());
    server.start();
    store = createStore(
      createRedisDriver({
        url: `redis://127.0.0.1:${server.port}`,
        connectTimeoutMs: 1_000,
        commandTimeoutMs: 1_000,
      }),
    );
    await until("the server", async () => {
      await store.ping();
      return true;
    });
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  /** Runs numbered batches until `stop()`; returns every outcome. */
  function runBatches(label: string) {
    const kv = store.kv("fault");
    const g = store.graph("fault");
    const outcomes: { ms: number; error?: unknown }[] = [];
    let running = true;
    const done = (async () => {
      for (let i = 0; running; i++) {
        const id = `${label}-${i}`;
        outcomes.push(
          await timed(() =>
            kv.setMany(
              Array.from({ length: BATCH }, (_, j) => ({
                key: `${id}:${j}`,
                value: { batch: id },
                ...(j === 0 ? { ifAbsent: true } : {}),
              })),
            ),
          ),
        );
        outcomes.push(
          await timed(() =>
            g.upsertEdges(
              Array.from({ length: BATCH }, (_, j) => ({
                from: id,
                type: "has",
                to: `${id}:${j}`,
                props: { j },
              })),
            ),
          ),
        );
        await sleep(2);
      }
    })();
    return {
      outcomes,
      stop: async () => {
        running = false;
        await done;
      },
    };
  }

  /** Every batch label written so far is either complete or absent, in the KV and in the graph. */
  async function checkNoHalfBatches(label: string): Promise<number> {
    const kv = store.kv("fault");
    const g = store.graph("fault");
    const counts = new Map<string, number>();
    for await (const key of kv.keys({ prefix: `${label}-` })) {
      const batch = key.slice(0, key.indexOf(":"));
      counts.set(batch, (counts.get(batch) ?? 0) + 1);
    }
    for (const [batch, n] of counts) expect(n, `kv batch ${batch}`).toBe(BATCH);
    const edges = new Map<string, number>();
    for await (const e of g.edges())
      if (e.from.startsWith(`${label}-`)) edges.set(e.from, (edges.get(e.from) ?? 0) + 1);
    for (const [batch, n] of edges) expect(n, `graph batch ${batch}`).toBe(BATCH);
    return counts.size;
  }

  function checkFailures(label: string, outcomes: { ms: number; error?: unknown }[]): number {
    const failed = outcomes.filter((o) => o.error);
    const slowest = Math.max(...failed.map((o) => o.ms));
    console.log(
      `[redis fault] ${label}: ${outcomes.length} operations, ${failed.length} failed, slowest failure ${slowest.toFixed(0)} ms`,
    );
    for (const o of failed) {
      expect(o.error).toBeInstanceOf(UnavailableError);
      expect((o.error as UnavailableError).retryable).toBe(true);
    }
    for (const o of outcomes) expect(o.ms).toBeLessThan(BOUND_MS);
    return failed.length;
  }

  it("fails fast while the server is paused, and recovers when it resumes", async () => {
    const run = runBatches("pause");
    await until("some batches", async () => run.outcomes.length >= 10);
    server.signal("SIGSTOP");
    await until(
      "failures while paused",
      async () => run.outcomes.filter((o) => o.error).length >= 3,
    );
    // Calls made while paused end within the bound too.
    const whilePaused = await Promise.all([
      timed(() => store.kv("fault").get("x")),
      timed(() => store.graph("fault").stats()),
    ]);
    server.signal("SIGCONT");
    await until("recovery", async () => {
      await store.ping();
      return true;
    });
    const after = run.outcomes.length;
    await until(
      "batches after recovery",
      async () => run.outcomes.slice(after).filter((o) => !o.error).length >= 6,
    );
    await run.stop();
    expect(checkFailures("paused", [...run.outcomes, ...whilePaused])).toBeGreaterThanOrEqual(3);
    expect(whilePaused.every((o) => o.error instanceof UnavailableError)).toBe(true);
    expect(await checkNoHalfBatches("pause")).toBeGreaterThan(0);
  });

  it("fails fast while the server is down, and recovers when it is back", async () => {
    const run = runBatches("kill");
    await until("some batches", async () => run.outcomes.length >= 10);
    await server.kill();
    await until("failures while down", async () => run.outcomes.filter((o) => o.error).length >= 5);
    const whileDown = await Promise.all([
      timed(() => store.kv("fault").get("x")),
      timed(() => store.ping()),
    ]);
    server.start();
    await until("recovery", async () => {
      await store.ping();
      return true;
    });
    const after = run.outcomes.length;
    await until(
      "batches after restart",
      async () => run.outcomes.slice(after).filter((o) => !o.error).length >= 6,
    );
    await run.stop();
    expect(checkFailures("killed", [...run.outcomes, ...whileDown])).toBeGreaterThanOrEqual(5);
    expect(whileDown.every((o) => o.error instanceof UnavailableError)).toBe(true);
    // What was acknowledged before the kill survived it (AOF, fsync always), whole.
    const acknowledged = run.outcomes.findIndex((o) => o.error);
    expect(acknowledged).toBeGreaterThan(0);
    expect(await store.kv("fault").get("kill-0:0")).toEqual({ batch: "kill-0" });
    expect(await checkNoHalfBatches("kill")).toBeGreaterThan(0);
  });

  it("reports an unreachable server as UnavailableError quickly, and a closed driver as closed", async () => {
    const port = await freePort();
    const unreachable = createStore(
      createRedisDriver({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 }),
    );
    const kv = unreachable.kv("x");
    const outcome = await timed(() => kv.get("k"));
    expect(outcome.error).toBeInstanceOf(UnavailableError);
    expect(outcome.ms).toBeLessThan(BOUND_MS);
    await unreachable.close();
    await expect(kv.get("k")).rejects.toMatchObject({ code: "CLOSED" });
    // The driver alone (no store in front) says closed too.
    const driver = createRedisDriver({ url: `redis://127.0.0.1:${port}` });
    await driver.close();
    await expect(driver.kv.getMany("x", ["k"], Date.now())).rejects.toMatchObject({
      code: "CLOSED",
    });
  });
});
