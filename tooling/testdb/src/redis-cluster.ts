// A throwaway Redis Cluster of local redis-server processes: N masters with R replicas each, on
// random free ports of 127.0.0.1 (which the nodes announce, so the client reaches every node
// directly: no NAT, no container network). Used by the run's shared cluster (provider.ts) and by
// tests that kill nodes (they start a private one).
//
// Leftovers: every cluster lives in a directory /tmp/stowage-redis-cluster-<owner pid>-<random>
// with an owner.pid file and each node's pid file. stop() kills the nodes and removes it; a process
// exit kills the nodes too; cleanup.sh removes what a killed owner left behind.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";

export const CLUSTER_DIR_PREFIX = "stowage-redis-cluster-";
const SLOTS = 16_384;

export interface ClusterNode {
  readonly port: number;
  /** The node's cluster id (CLUSTER MYID). */
  readonly id: string;
  /** "master" or "replica" as created (failovers change roles: ask the cluster). */
  readonly role: "master" | "replica";
  /** The port of this node's master (replicas). */
  readonly masterPort?: number;
  /** The node's current process. */
  readonly process: ChildProcess;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** Starts the node again (same port, same directory: it rejoins the cluster). */
  restart(): void;
}

export interface LocalRedisCluster extends AsyncDisposable {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…` (every node is a seed). */
  readonly url: string;
  readonly nodes: readonly ClusterNode[];
  readonly dir: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  readonly masters?: number;
  readonly replicasPerMaster?: number;
  /** cluster-node-timeout: how long before a silent master is failed over. Default 1000. */
  readonly nodeTimeoutMs?: number;
  /** redis-server binary. Default: STOWAGE_REDIS_SERVER_BIN, else `redis-server` from PATH. */
  readonly bin?: string;
  /** Longest wait for the cluster to be formed. Default 30 s. */
  readonly timeoutMs?: number;
}

/** The redis-server binary, or undefined when there is none. */
export function redisServerBin(): string | undefined {
  const given = process.env.STOWAGE_REDIS_SERVER_BIN;
  if (given) return given;
  try {
    return (
      execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A random port in 20000–49999 whose cluster bus port (+10000) is free too. */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (ports.includes(port) || ports.includes(port + 10_000) || ports.includes(port - 10_000))
      continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) ports.push(port);
  }
  return ports;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  deadline: number,
  check: () => Promise<T | undefined | false>,
): Promise<T> {
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `redis cluster: timed out waiting for ${what}${last ? ` (${(last as Error).message})` : ""}`,
      );
    }
    await sleep(50);
  }
}

function client(port: number): Redis {
  const c = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1 });
  c.on("error", () => {});
  return c;
}

/** Starts the processes, assigns slots, joins the nodes, attaches the replicas, waits for `cluster_state:ok`. */
export async function startRedisCluster(options: ClusterOptions = {}): Promise<LocalRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const bin = options.bin ?? redisServerBin();
  if (!bin) {
    throw new Error(
      "no redis-server binary for the Redis Cluster tests: install Redis 7 (`apt-get install -y redis-server`), " +
        "set STOWAGE_REDIS_SERVER_BIN, or give a running cluster in STOWAGE_REDIS_CLUSTER_URL",
    );
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const total = masters * (1 + replicas);
  const ports = await freePorts(total);
  const dir = path.join(
    tmpdir(),
    `${CLUSTER_DIR_PREFIX}${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "owner.pid"), String(process.pid));

  const processes: ChildProcess[] = [];
  const spawnNode = (port: number, nodeDir: string): ChildProcess =>
    spawn(
      bin,
      [
        ...["--port", String(port), "--bind", "127.0.0.1", "--protected-mode", "no"],
        ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
        ...["--cluster-node-timeout", String(options.nodeTimeoutMs ?? 1_000)],
        ...["--cluster-announce-ip", "127.0.0.1"],
        // A replica takes over however long its link was down (a test kills masters at will).
        ...["--cluster-replica-validity-factor", "0"],
        ...["--save", "", "--appendonly", "no", "--dir", nodeDir],
        // Replicas sync at once (the default waits 5 s for more replicas to share a transfer).
        ...["--repl-diskless-sync-delay", "0"],
        ...["--pidfile", path.join(nodeDir, "redis.pid"), "--daemonize", "no"],
      ],
      { stdio: "ignore" },
    );
  const killAll = () => {
    for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  };
  process.once("exit", killAll);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", killAll);
    await Promise.all(
      processes.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once("exit", () => resolve());
            p.kill("SIGKILL");
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };

  const clients: Redis[] = [];
  try {
    for (const port of ports) {
      const nodeDir = path.join(dir, String(port));
      mkdirSync(nodeDir);
      const child = spawnNode(port, nodeDir);
      processes.push(child);
    }
    for (const port of ports) clients.push(client(port));
    await until("the nodes to answer", deadline, async () => {
      await Promise.all(clients.map((c) => (c.status === "wait" ? c.connect() : c.ping())));
      return true;
    });
    const ids = await Promise.all(clients.map((c) => c.call("CLUSTER", "MYID") as Promise<string>));
    // Slots: an equal range per master.
    for (let m = 0; m < masters; m++) {
      const first = Math.floor((m * SLOTS) / masters);
      const last = Math.floor(((m + 1) * SLOTS) / masters) - 1;
      await clients[m]?.call("CLUSTER", "ADDSLOTSRANGE", first, last);
    }
    for (const port of ports.slice(1)) await clients[0]?.call("CLUSTER", "MEET", "127.0.0.1", port);
    await until("every node to know every other", deadline, async () => {
      const views = await Promise.all(
        clients.map((c) => c.call("CLUSTER", "NODES") as Promise<string>),
      );
      return views.every((v) => v.trim().split("\n").length === total && !/handshake/.test(v));
    });
    const nodes: ClusterNode[] = [];
    for (let i = 0; i < total; i++) {
      const isReplica = i >= masters;
      const masterIndex = (i - masters) % masters;
      if (isReplica) await clients[i]?.call("CLUSTER", "REPLICATE", ids[masterIndex] as string);
      const at = i;
      const port = ports[i] as number;
      nodes.push({
        port,
        id: ids[i] as string,
        role: isReplica ? "replica" : "master",
        ...(isReplica ? { masterPort: ports[masterIndex] as number } : {}),
        get process() {
          return processes[at] as ChildProcess;
        },
        kill: () =>
          new Promise<void>((resolve) => {
            const p = processes[at] as ChildProcess;
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once("exit", () => resolve());
            p.kill("SIGKILL");
          }),
        restart: () => {
          const p = processes[at] as ChildProcess;
          if (stopped || (p.exitCode === null && p.signalCode === null)) return;
          processes[at] = spawnNode(port, path.join(dir, String(port)));
        },
      });
    }
    await waitClusterOk(ports, deadline);
    await until("the replicas to be in sync", deadline, async () => {
      const infos = await Promise.all(
        clients.slice(masters).map((c) => c.info("replication") as Promise<string>),
      );
      return infos.every((i) => /master_link_status:up/.test(i));
    });
    const url = `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(",")}`;
    return { url, nodes, dir, stop, [Symbol.asyncDispose]: stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** Waits until every reachable node among `ports` reports `cluster_state:ok` and the same view of the slots. */
export async function waitClusterOk(ports: readonly number[], deadline: number): Promise<void> {
  const clients = ports.map(client);
  try {
    await until("cluster_state:ok on every node", deadline, async () => {
      const infos = await Promise.all(
        clients.map((c) =>
          (c.status === "wait" ? c.connect() : Promise.resolve()).then(
            () => c.call("CLUSTER", "INFO") as Promise<string>,
          ),
        ),
      );
      return infos.every((i) => /cluster_state:ok/.test(i));
    });
  } finally {
    for (const c of clients) c.disconnect();
  }
}
