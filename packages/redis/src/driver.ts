// The Redis driver: one ioredis client (ours or the caller's), capabilities, ping and close.

import type { ConnectionOptions as TlsOptions } from "node:tls";
import {
  type Driver,
  type DriverCapabilities,
  redactUrl,
  registerSecret,
  ValidationError,
} from "@stowage/core";
import { Redis, type RedisOptions } from "ioredis";
import { Connection } from "./connection.ts";
import { createRedisGraph } from "./graph.ts";
import { createRedisKv } from "./kv.ts";
import { DEFAULT_PREFIX, Layout } from "./schema.ts";

export interface RedisDriverOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /**
   * An existing ioredis client to use instead of `url`. It stays the caller's: `close()` does not
   * quit it, and its own offline-queue, retry and timeout settings apply.
   */
  readonly client?: Redis | Redis<"resp3">;
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

export function createRedisDriver(options: RedisDriverOptions = {}): Driver {
  const layout = new Layout(options.prefix ?? DEFAULT_PREFIX);
  const connectTimeoutMs = positive(
    options.connectTimeoutMs,
    DEFAULT_CONNECT_TIMEOUT_MS,
    "connectTimeoutMs",
  );
  let client: Redis;
  let where: string;
  if (options.client) {
    client = options.client as Redis;
    if (client.isCluster)
      throw new ValidationError(
        "INVALID_OPTION",
        "Redis Cluster clients are not supported yet: pass a single-node client",
      );
    // Scripts derive graph keys from names they are given; ioredis' keyPrefix would miss those.
    if (client.options.keyPrefix)
      throw new ValidationError(
        "INVALID_OPTION",
        "the client has a keyPrefix: use the driver's prefix option instead",
      );
    where = `${client.options.host ?? "?"}:${client.options.port ?? "?"}`;
  } else {
    const url = options.url ?? DEFAULT_URL;
    if (!/^rediss?:\/\//i.test(url)) {
      throw new ValidationError(
        "INVALID_OPTION",
        `expected a redis:// or rediss:// URL, got ${JSON.stringify(redactUrl(url))}`,
      );
    }
    client = newClient(url, clientOptions(options, connectTimeoutMs));
    where = url;
  }
  registerSecret(client.options.password);
  const conn = new Connection({ client, owned: !options.client, connectTimeoutMs, where });

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
  };

  return {
    name: "redis",
    capabilities,
    kv: createRedisKv(conn, layout),
    graph: createRedisGraph(conn, layout),
    telemetry: {
      system: "redis",
      namespace: String(client.options.db ?? 0),
      ...(client.options.path
        ? {}
        : {
            serverAddress: String(client.options.host ?? "localhost"),
            serverPort: Number(client.options.port ?? 6379),
          }),
    },
    async ping() {
      await conn.run((c) => c.ping());
      return { pool: { max: 1, status: client.status } };
    },
    close: () => conn.close(),
  };
}

/** For `openStore("redis://…")` and `openStore("rediss://…")`; options as for createRedisDriver. */
export async function openDriver(
  url: string,
  options: Record<string, unknown> = {},
): Promise<Driver> {
  return createRedisDriver({ ...(options as RedisDriverOptions), url });
}
