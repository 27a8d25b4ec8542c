// Failover on a private Redis Cluster (3 masters + 3 replicas, cluster-node-timeout 1000 ms):
// SIGKILL the master of the namespace's slot during a stream of batches and of CAS update() loops.
// The replica is promoted, the same store recovers without a restart, every failure is an
// UnavailableError within the bound, no acknowledged write is lost (waitReplicas: 1), and no
// batch is half applied. The killed node is started again once its replica took over (it rejoins
// as a replica: with waitReplicas: 1 a shard needs one to acknowledge writes).
import { createStore, type Store, UnavailableError } from "@stowage/core";
import { type LocalRedisCluster, redisServerBin, startRedisCluster } from "@stowage/testdb";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisDriver } from "../src/index.ts";

const BIN = redisServerBin();
const COMMAND_TIMEOUT_MS = 2_000;
/** Every failing call ends within this (the command timeout, plus scheduling slack). */
const BOUND_MS = COMMAND_TIMEOUT_MS + 1_500;
const BATCH = 20;
const COUNTERS = 4;
const NS = "failover";
const PREFIX = "fo";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function node(port: number): Redis {
  const c = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0 });
  c.on("error", () => {});
  return c;
}

async function role(port: number): Promise<string | undefined> {
  const c = node(port);
  try {
    await c.connect();
    return /role:(\w+)/.exec(await c.info("replication"))?.[1];
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

describe.skipIf(!BIN)("redis cluster failover (private cluster)", () => {
  let cluster: LocalRedisCluster;
  let store: Store;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1_000 });
    store = createStore(
      createRedisDriver({
        url: cluster.url,
        prefix: PREFIX,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        connectTimeoutMs: 1_000,
        waitReplicas: 1,
        waitTimeoutMs: 1_000,
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
  });

  it("promotes the replica, recovers without restart, loses no acknowledged write and splits no batch", async () => {
    const kv = store.kv<number>(NS);
    await kv.set("warm-up", 0);
    // The master of the namespace's slot, and its replica.
    const probe = node(cluster.nodes[0]?.port as number);
    await probe.connect();
    const slot = (await probe.call("CLUSTER", "KEYSLOT", `${PREFIX}:kv:{${NS}}:i`)) as number;
    const ranges = (await probe.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
    probe.disconnect();
    const masterPort = ranges.find(([a, b]) => a <= slot && slot <= b)?.[2][1];
    const master = cluster.nodes.find((n) => n.port === masterPort);
    const replica = cluster.nodes.find((n) => n.masterPort === masterPort);
    expect(master && replica).toBeTruthy();
    if (!master || !replica) return;

    const acked: number[] = []; // batches acknowledged
    const failed: number[] = []; // batches that failed (maybe applied, never half)
    let increments = 0; // acknowledged update()s
    let uncertain = 0; // update()s that failed (the write may have been applied)
    const errors = new Map<string, number>();
    let slowestFailureMs = 0;
    let lastFailureAt = 0;
    let stop = false;

    const failure = (error: unknown, ms: number) => {
      const name = error instanceof Error ? error.constructor.name : typeof error;
      errors.set(name, (errors.get(name) ?? 0) + 1);
      slowestFailureMs = Math.max(slowestFailureMs, ms);
      lastFailureAt = performance.now();
      if (!(error instanceof UnavailableError)) throw error;
    };

    const writer = async () => {
      for (let b = 0; !stop; b++) {
        const started = performance.now();
        try {
          await kv.setMany(
            Array.from({ length: BATCH }, (_, i) => ({ key: `b${b}:${i}`, value: b })),
          );
          acked.push(b);
        } catch (error) {
          failed.push(b);
          failure(error, performance.now() - started);
          await sleep(20);
        }
      }
    };
    const counter = async () => {
      while (!stop) {
        const started = performance.now();
        try {
          await kv.update("counter", (n) => (n ?? 0) + 1);
          increments++;
        } catch (error) {
          uncertain++;
          failure(error, performance.now() - started);
          await sleep(20);
        }
      }
    };
    const loops = [writer(), ...Array.from({ length: COUNTERS }, counter)];

    await sleep(700);
    const ackedBeforeKill = acked.length;
    const killedAt = performance.now();
    await master.kill();
    // The replica takes over (cluster-node-timeout 1000 ms + election).
    const deadline = Date.now() + 15_000;
    while ((await role(replica.port)) !== "master") {
      if (Date.now() > deadline) throw new Error("the replica was not promoted within 15 s");
      await sleep(50);
    }
    const promotedMs = performance.now() - killedAt;
    master.restart(); // rejoins as the new master's replica
    // Writes acknowledged again after the kill: the store recovered without a restart.
    const ackedAtPromotion = acked.length;
    while (acked.length < ackedAtPromotion + 20 || increments === 0) {
      if (Date.now() > deadline) throw new Error("the store did not recover within 15 s");
      await sleep(20);
    }
    const recoveredMs = lastFailureAt ? lastFailureAt - killedAt : 0;
    await sleep(300);
    stop = true;
    await Promise.all(loops);

    // Nothing acknowledged is lost; no batch is half there.
    const expected = [...acked, ...failed].sort((a, b) => a - b);
    const values = await kv.getMany(
      expected.flatMap((b) => Array.from({ length: BATCH }, (_, i) => `b${b}:${i}`)),
    );
    let lost = 0;
    let halfApplied = 0;
    const ackedSet = new Set(acked);
    expected.forEach((b, at) => {
      const batch = values.slice(at * BATCH, (at + 1) * BATCH);
      const present = batch.filter((v) => v === b).length;
      if (present !== 0 && present !== BATCH) halfApplied++;
      if (ackedSet.has(b) && present !== BATCH) lost++;
    });
    const finalCount = (await kv.get("counter")) ?? 0;
    const summary = {
      ackedBeforeKill,
      batchesAcked: acked.length,
      batchesFailed: failed.length,
      increments,
      uncertain,
      finalCount,
      promotedMs: Math.round(promotedMs),
      recoveredMs: Math.round(recoveredMs),
      slowestFailureMs: Math.round(slowestFailureMs),
      errors: Object.fromEntries(errors),
      lost,
      halfApplied,
    };
    console.log(`[redis failover] ${JSON.stringify(summary)}`);

    expect(ackedBeforeKill).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0); // the kill was felt
    // Every failure is an UnavailableError: the driver's own, or core's CircuitOpenError (a
    // subclass) while the circuit breaker is open during the failover.
    expect([...errors.keys()]).toContain("UnavailableError");
    for (const name of errors.keys()) expect(["UnavailableError", "CircuitOpenError"]).toContain(name);
    expect(slowestFailureMs).toBeLessThan(BOUND_MS);
    expect(lost).toBe(0);
    expect(halfApplied).toBe(0);
    // Every acknowledged increment is there; a failed one may or may not have been applied.
    expect(finalCount).toBeGreaterThanOrEqual(increments);
    expect(finalCount).toBeLessThanOrEqual(increments + uncertain);
  }, 45_000);
});
