// Runs in vitest's main process, from the globalSetup of each project that needs a database.
// One server per database per run: the first project's setup starts it (or takes the URL from the
// environment), later projects share it, and the last teardown stops it.
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { StartedTestContainer } from "testcontainers";
import type { TestProject } from "vitest/node";
import {
  type DatabaseKind,
  type DatabaseSpec,
  maskUrl,
  noDatabaseMessage,
  REDIS_CLUSTER_URL_ENV,
  SPECS,
} from "./config.ts";

/** What the registry shares: a database of a kind, or the run's Redis Cluster. */
type ServerKind = DatabaseKind | "redis-cluster";

interface Server {
  url: string;
  stop(): Promise<void>;
}

interface Entry {
  refs: number;
  server: Promise<Server>;
}

// Each vitest project loads its globalSetup through its own module runner, so a module-level
// variable would exist once per project. globalThis is shared by all of them (one process).
const REGISTRY = Symbol.for("@stowage/testdb.servers");
function registry(): Map<ServerKind, Entry> {
  const holder = globalThis as { [REGISTRY]?: Map<ServerKind, Entry> };
  holder[REGISTRY] ??= new Map();
  return holder[REGISTRY];
}

/** Labels on every container we start, so cleanup.sh can tell this run's leftovers from others'. */
function runLabels(kind: DatabaseKind): Record<string, string> {
  const run =
    (process.env.STOWAGE_TESTDB_RUN_ID ||= `${process.pid}-${randomBytes(4).toString("hex")}`);
  return {
    "org.stowage.testdb": kind,
    "org.stowage.testdb.run": run,
    "org.stowage.testdb.pid": String(process.pid),
  };
}

function say(line: string): void {
  console.log(`[testdb] ${line}`);
}

/** Takes a share of the server for `kind`, starting it if this is the first share. */
export async function acquire(
  kind: ServerKind,
): Promise<{ url: string; release: () => Promise<void> }> {
  const servers = registry();
  let entry = servers.get(kind);
  if (!entry) {
    entry = {
      refs: 0,
      server: kind === "redis-cluster" ? startRedisClusterServer() : startServer(SPECS[kind]),
    };
    servers.set(kind, entry);
  }
  const current = entry;
  current.refs += 1;
  let server: Server;
  try {
    server = await current.server;
  } catch (error) {
    current.refs -= 1;
    if (servers.get(kind) === current) servers.delete(kind);
    throw error;
  }
  let released = false;
  return {
    url: server.url,
    release: async () => {
      if (released) return;
      released = true;
      current.refs -= 1;
      if (current.refs > 0) return;
      if (servers.get(kind) === current) servers.delete(kind);
      await server.stop();
    },
  };
}

async function startServer(spec: DatabaseSpec): Promise<Server> {
  const url = process.env[spec.urlEnv];
  if (url) return useUrl(spec, url);
  return startContainer(spec);
}

async function useUrl(spec: DatabaseSpec, url: string): Promise<Server> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `${spec.urlEnv} is not a URL: ${maskUrl(url)} (expected e.g. ${spec.exampleUrl})`,
    );
  }
  // Fail here, once, rather than in every test of every suite.
  if (parsed.hostname && !parsed.hostname.startsWith("%2F")) {
    const host = parsed.hostname.replace(/^\[|\]$/g, "");
    const port = Number(parsed.port || spec.defaultPort);
    const problem = await tcpProblem(host, port, 5_000);
    if (problem) {
      throw new Error(
        `${spec.urlEnv}=${maskUrl(url)} cannot be reached (${problem}). ` +
          `Start that server, or unset ${spec.urlEnv} to let Testcontainers start one.`,
      );
    }
  }
  say(`${spec.kind}: server from ${spec.urlEnv}: ${maskUrl(url)}`);
  return { url, stop: async () => {} };
}

/** STOWAGE_REDIS_CLUSTER_URL when set; otherwise 3 masters + 3 replicas of local redis-server processes. */
async function startRedisClusterServer(): Promise<Server> {
  const given = process.env[REDIS_CLUSTER_URL_ENV];
  if (given) {
    const seed = /^rediss?\+cluster:\/\/(?:[^@/]*@)?\[?([^,/\]]+?)\]?:(\d+)/i.exec(given);
    if (!seed) {
      throw new Error(
        `${REDIS_CLUSTER_URL_ENV} is not a Redis Cluster URL: ${maskUrl(given)} (expected redis+cluster://host:port,host:port)`,
      );
    }
    const problem = await tcpProblem(seed[1] as string, Number(seed[2]), 5_000);
    if (problem) {
      throw new Error(
        `${REDIS_CLUSTER_URL_ENV}=${maskUrl(given)} cannot be reached (${problem}). Start that cluster, or unset ${REDIS_CLUSTER_URL_ENV} to start local redis-server processes.`,
      );
    }
    say(`redis-cluster: cluster from ${REDIS_CLUSTER_URL_ENV}: ${maskUrl(given)}`);
    return { url: given, stop: async () => {} };
  }
  const { startRedisCluster } = await import("./redis-cluster.ts");
  const started = Date.now();
  const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  say(
    `redis-cluster: 3 masters + 3 replicas (local redis-server), started in ${seconds}s: ${cluster.url}`,
  );
  return { url: cluster.url, stop: () => cluster.stop() };
}

function tcpProblem(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem?: string) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () =>
      done(`no answer from ${host}:${port} within ${timeoutMs} ms`),
    );
    socket.once("connect", () => done());
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

async function startContainer(spec: DatabaseSpec): Promise<Server> {
  const { getContainerRuntimeClient } = await import("testcontainers");
  try {
    await getContainerRuntimeClient();
  } catch (error) {
    throw new Error(noDatabaseMessage(spec, firstLine(error)));
  }
  const image = process.env[spec.imageEnv] || spec.defaultImage;
  const started = Date.now();
  let container: StartedTestContainer;
  let url: string;
  try {
    if (spec.kind === "redis") {
      const { RedisContainer } = await import("@testcontainers/redis");
      const redis = await new RedisContainer(image)
        .withLabels(runLabels(spec.kind))
        // Tests need no persistence: no background saves.
        .withCommand(["redis-server", "--save", "", "--appendonly", "no"])
        .start();
      [container, url] = [redis, redis.getConnectionUrl()];
    } else {
      const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
      const pg = await new PostgreSqlContainer(image)
        .withLabels(runLabels(spec.kind))
        .withDatabase("stowage")
        .withUsername("stowage")
        .withPassword(randomBytes(12).toString("hex"))
        // A throwaway server: durability off for speed, room for every suite's pools.
        .withCommand([
          "postgres",
          ...["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
          ...["-c", "max_connections=200"],
        ])
        .start();
      [container, url] = [pg, pg.getConnectionUri()];
    }
  } catch (error) {
    const reason = firstLine(error);
    const hint = /pull|not found|no such image|manifest/i.test(reason)
      ? ` The image may not be available here: where no registry can be reached, source tooling/testdb/provide.sh` +
        ` (it builds local images and sets ${spec.imageEnv}), or set ${spec.imageEnv} to an image this engine has.`
      : "";
    throw new Error(
      `Testcontainers could not start ${spec.title} from image ${image}: ${reason}.${hint}`,
      {
        cause: error,
      },
    );
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  say(`${spec.kind}: Testcontainers, image ${image}, started in ${seconds}s: ${maskUrl(url)}`);
  return {
    url,
    stop: async () => {
      await container.stop({ timeout: 1_000 });
    },
  };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]?.trim() || "unknown error";
}

/** The body of a vitest globalSetup: provide the URL to the project's tests, release on teardown. */
export async function provideDatabase(
  kind: DatabaseKind,
  project: TestProject,
): Promise<() => Promise<void>> {
  const { url, release } = await acquire(kind);
  project.provide(SPECS[kind].provideKey, url);
  return release;
}

export function redisGlobalSetup(project: TestProject): Promise<() => Promise<void>> {
  return provideDatabase("redis", project);
}

export async function redisClusterGlobalSetup(project: TestProject): Promise<() => Promise<void>> {
  const { url, release } = await acquire("redis-cluster");
  project.provide("stowageRedisClusterUrl", url);
  return release;
}

export function postgresGlobalSetup(project: TestProject): Promise<() => Promise<void>> {
  return provideDatabase("postgres", project);
}
