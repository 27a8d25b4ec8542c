// The Redis driver: one ioredis client (ours or the caller's; a single node or a Cluster),
// capabilities, ping and close.

import type { ConnectionOptions as TlsOptions } from "node:tls";
import {
  type Driver,
  type DriverCapabilities,
  type DriverTelemetry,
  redactUrl,
  registerSecret,
  ValidationError,
} from "@stowage/core";
import { type Cluster, Redis, type RedisOptions } from "ioredis";
import {
  checkSingleNodeUrl,
  clusterNodes,
  createClusterClient,
  isClusterUrl,
  parseClusterUrl,
  type RedisClusterConfig,
} from "./cluster.ts";
import { type Client, Connection } from "./connection.ts";
import { createRedisGraph } from "./graph.ts";
import { createRedisKv } from "./kv.ts";
import { DEFAULT_PREFIX, Layout } from "./schema.ts";
import { createRedisVectors } from "./vectors.ts";

export interface RedisDriverOptions {
  /**
   * `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS); a Redis Cluster:
   * `redis+cluster://[user:password@]host1:port1,host2:port2` (seed nodes) or `rediss+cluster://…`.
   * Default `redis://127.0.0.1:6379`.
   */
  readonly url?: string;
  /** A Redis Cluster by its seed nodes (instead of `url`), with ioredis Cluster options. */
  readonly cluster?: RedisClusterConfig;
  /**
   * An existing ioredis client (`Redis` or `Cluster`) to use instead of `url`. It stays the
   * caller's: `close()` does not quit it, and its own offline-queue, retry and timeout settings apply.
   */
  readonly client?: Redis | Redis<"resp3"> | Cluster;
  /** First part of every key (default `stowage`): letters, digits, `_ . : -`. */
  readonly prefix?: string;
  /** Longest wait for a connection being set up, in ms (default 2000). */
  readonly connectTimeoutMs?: number;
  /**
   * Longest wait for a reply, in ms (default 10000): ioredis `commandTimeout`. A stopped or
   * unreachable server fails calls at once (no offline queue); this bounds a frozen one. Redis
   * runs one script at a time, so a frozen server and a long batch script look alike: keep it
   * above your largest batch. A command that timed out may still run (a write's outcome is unknown).
   */
  readonly commandTimeoutMs?: number;
  /** TLS options passed to ioredis (`true` for defaults); `rediss://` URLs turn TLS on by themselves. */
  readonly tls?: TlsOptions | boolean;
  /**
   * Replicas that must have a write before it is acknowledged (Redis `WAIT`, sent with the write
   * in one round trip); default 0. With 1 on a cluster whose masters have a replica each, a write
   * that was acknowledged survives the failover of its master. When fewer replicas confirm within
   * `waitTimeoutMs`, the call fails with UnavailableError (the write is applied on the master).
   */
  readonly waitReplicas?: number;
  /** How long a write waits for `waitReplicas` replicas, in ms (default 1000). */
  readonly waitTimeoutMs?: number;
}

export const DEFAULT_URL = "redis://127.0.0.1:6379";
const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
/** Redis strings hold at most 512 MiB; an entry adds a short "<version>:<expiresAt>:" header. */
const MAX_VALUE_BYTES = 512 * 1024 * 1024 - 64;

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(
      "INVALID_OPTION",
      `${what} must be a positive number of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}

function count(value: number | undefined, what: string): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0) {
    throw new ValidationError(
      "INVALID_OPTION",
      `${what} must be a whole number of 0 or more, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Client settings that bound every failure: no offline queue (a command sent while disconnected
 * fails at once), no retry of a command whose connection dropped (it may have run: resending
 * could apply a write twice), reconnection every second at most, and reply timeouts.
 */
function clientOptions(options: RedisDriverOptions, connectTimeoutMs: number): RedisOptions {
  const tls = options.tls === true ? {} : options.tls || undefined;
  return {
    connectTimeout: connectTimeoutMs,
    commandTimeout: positive(
      options.commandTimeoutMs,
      DEFAULT_COMMAND_TIMEOUT_MS,
      "commandTimeoutMs",
    ),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    ...(tls ? { tls } : {}),
  };
}

/** A client for a URL; a malformed one (`redis://:@`, port 99999) is a ValidationError. */
function newClient(url: string, settings: RedisOptions): Redis {
  try {
    new URL(url);
    return new Redis(url, settings);
  } catch (error) {
    // Node's URL errors carry the whole input, password included: not kept as cause.
    throw new ValidationError(
      "INVALID_OPTION",
      `invalid Redis URL ${JSON.stringify(redactUrl(url))}: ${(error as Error).message}`,
    );
  }
}

/** `db.namespace` and `server.*` of traces and metrics (a Cluster: its first seed node is not told). */
function telemetryOf(client: Client): DriverTelemetry {
  if (client.isCluster) return { system: "redis" };
  const o = (client as Redis).options;
  return {
    system: "redis",
    namespace: String(o.db ?? 0),
    ...(o.path
      ? {}
      : { serverAddress: String(o.host ?? "localhost"), serverPort: Number(o.port ?? 6379) }),
  };
}

export function createRedisDriver(options: RedisDriverOptions = {}): Driver {
  const layout = new Layout(options.prefix ?? DEFAULT_PREFIX);
  const connectTimeoutMs = positive(
    options.connectTimeoutMs,
    DEFAULT_CONNECT_TIMEOUT_MS,
    "connectTimeoutMs",
  );
  const given = [options.client && "client", options.cluster && "cluster", options.url && "url"];
  if (given.filter(Boolean).length > 1) {
    throw new ValidationError(
      "INVALID_OPTION",
      `give one of url, cluster and client, not ${given.filter(Boolean).join(" and ")}`,
    );
  }
  let client: Client;
  let where: string;
  if (options.client) {
    client = options.client as Client;
    // The registries and the keys scripts get are the driver's; ioredis' keyPrefix is refused
    // so that every key has one name, the one the README documents.
    if (client.options.keyPrefix)
      throw new ValidationError(
        "INVALID_OPTION",
        "the client has a keyPrefix: use the driver's prefix option instead",
      );
    where = client.isCluster
      ? `redis+cluster://${clusterSeeds(client as Cluster)}`
      : `${(client as Redis).options.host ?? "?"}:${(client as Redis).options.port ?? "?"}`;
  } else if (options.cluster) {
    const nodes = clusterNodes(options.cluster);
    client = createClusterClient(
      nodes,
      clientOptions(options, connectTimeoutMs),
      options.cluster.options,
    );
    where = `redis+cluster://${nodes.map((n) => `${n.host}:${n.port}`).join(",")}`;
  } else {
    const url = options.url ?? DEFAULT_URL;
    if (isClusterUrl(url)) {
      const parsed = parseClusterUrl(url);
      const node = clientOptions(options, connectTimeoutMs);
      client = createClusterClient(
        parsed.nodes,
        {
          ...node,
          ...(parsed.tls && !node.tls ? { tls: {} } : {}),
          ...(parsed.username ? { username: parsed.username } : {}),
          ...(parsed.password !== undefined ? { password: parsed.password } : {}),
        },
        undefined,
      );
    } else {
      if (!/^rediss?:\/\//i.test(url)) {
        throw new ValidationError(
          "INVALID_OPTION",
          `expected a redis://, rediss:// or redis+cluster:// URL, got ${JSON.stringify(redactUrl(url))}`,
        );
      }
      checkSingleNodeUrl(url);
      client = newClient(url, clientOptions(options, connectTimeoutMs));
    }
    where = url;
  }
  registerSecret(
    client.isCluster
      ? (client as Cluster).options.redisOptions?.password
      : (client as Redis).options.password,
  );
  const conn = new Connection({
    client,
    owned: !options.client,
    connectTimeoutMs,
    where,
    waitReplicas: count(options.waitReplicas, "waitReplicas"),
    waitTimeoutMs: positive(options.waitTimeoutMs, 1_000, "waitTimeoutMs"),
    ...(client.isCluster
      ? {
          callTimeoutMs: positive(
            options.commandTimeoutMs,
            DEFAULT_COMMAND_TIMEOUT_MS,
            "commandTimeoutMs",
          ),
        }
      : {}),
  });

  const capabilities: DriverCapabilities = {
    kv: true,
    graph: true,
    ttl: true,
    cas: true,
    atomicBatches: true,
    nativeTraversal: true,
    persistent: true,
    shared: true,
    maxValueBytes: MAX_VALUE_BYTES,
    vectors: true,
    approximateVectors: false,
  };

  return {
    name: "redis",
    capabilities,
    kv: createRedisKv(conn, layout),
    graph: createRedisGraph(conn, layout),
    vectors: createRedisVectors(conn, layout.prefix),
    telemetry: telemetryOf(client),
    async ping() {
      await conn.run((c) => c.ping());
      return { pool: { max: 1, status: client.status } };
    },
    close: () => conn.close(),
  };
}

/** The seed nodes of a Cluster client, for messages. */
function clusterSeeds(client: Cluster): string {
  // startupNodes is private in the types; it holds what the caller passed (strings, ports or objects).
  const seeds = (client as unknown as { startupNodes?: unknown[] }).startupNodes ?? [];
  return seeds
    .map((n) => {
      const o = n as { host?: string; port?: number };
      return typeof n === "object" && n ? `${o.host ?? "?"}:${o.port ?? "?"}` : String(n);
    })
    .join(",");
}

/**
 * For `openStore("redis://…")`, `rediss://…`, `redis+cluster://…` and `rediss+cluster://…`;
 * options as for createRedisDriver.
 */
export async function openDriver(
  url: string,
  options: Record<string, unknown> = {},
): Promise<Driver> {
  return createRedisDriver({ ...(options as RedisDriverOptions), url });
}
