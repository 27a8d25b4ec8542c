// Redis Cluster: `redis+cluster://` URLs (seed nodes) and the ioredis Cluster client the driver
// creates from them or from `{ cluster: { nodes, options } }`.

import { redactUrl, ValidationError } from "@stowage/core";
import { Cluster, type ClusterNode, type ClusterOptions, type RedisOptions } from "ioredis";

/** `cluster` option of createRedisDriver: seed nodes, and ioredis Cluster options over the driver's. */
export interface RedisClusterConfig {
  /** Seed nodes (any reachable node is enough; the client learns the others): `"host:port"` or `{ host, port }`. */
  readonly nodes: readonly (string | { readonly host: string; readonly port: number })[];
  /** ioredis Cluster options; they override the driver's defaults (see the README). */
  readonly options?: ClusterOptions;
}

const CLUSTER_SCHEME = /^rediss?\+cluster:\/\//i;

export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

function invalid(message: string, url: string): ValidationError {
  return new ValidationError(
    "INVALID_OPTION",
    `${message}: ${JSON.stringify(redactUrl(url))} (expected redis+cluster://host1:port1,host2:port2)`,
  );
}

/** "host:port" or "[v6]:port" (port 6379 when left out). */
function parseHostPort(text: string, url: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  const port = Number(match?.[3] ?? 6379);
  if (!match || port < 1 || port > 65_535)
    throw invalid(`bad seed node ${JSON.stringify(text)}`, url);
  return { host: (match[1] ?? match[2]) as string, port };
}

export interface ParsedClusterUrl {
  readonly nodes: { host: string; port: number }[];
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
}

/** `redis+cluster://[user:password@]host1:port1,host2:port2[/0]`; `rediss+cluster://` for TLS. */
export function parseClusterUrl(url: string): ParsedClusterUrl {
  const match = /^(rediss?)\+cluster:\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?([?#].*)?$/i.exec(url);
  if (!match) throw invalid("not a Redis Cluster URL", url);
  const [, scheme, userinfo, hosts, path, rest] = match;
  if (rest) throw invalid("a Redis Cluster URL takes no query or fragment", url);
  if (path && path !== "/" && path !== "/0") {
    throw invalid("Redis Cluster has only database 0: leave the path out", url);
  }
  if (!hosts) throw invalid("no seed node", url);
  const nodes = hosts.split(",").map((h) => parseHostPort(h, url));
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo) {
    const at = userinfo.indexOf(":");
    try {
      username = decodeURIComponent(at < 0 ? userinfo : userinfo.slice(0, at)) || undefined;
      password = at < 0 ? undefined : decodeURIComponent(userinfo.slice(at + 1));
    } catch {
      throw invalid("bad percent-encoding in the credentials", url);
    }
  }
  return {
    nodes,
    tls: (scheme as string).toLowerCase() === "rediss",
    ...(username ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/** A `redis://` URL that lists several hosts: the cluster form was meant. */
export function checkSingleNodeUrl(url: string): void {
  const authority = /^rediss?:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(url)?.[1] ?? "";
  if (authority.includes(",")) {
    throw new ValidationError(
      "INVALID_OPTION",
      `${JSON.stringify(redactUrl(url))} lists several hosts: a Redis Cluster URL starts with redis+cluster:// (or rediss+cluster://)`,
    );
  }
}

export function clusterNodes(config: RedisClusterConfig): { host: string; port: number }[] {
  const nodes = config?.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new ValidationError(
      "INVALID_OPTION",
      "cluster.nodes must list at least one seed node (`host:port` or { host, port })",
    );
  }
  return nodes.map((n) => {
    if (typeof n === "string") return parseHostPort(n, `redis+cluster://${n}`);
    if (n && typeof n.host === "string" && Number.isInteger(n.port))
      return { host: n.host, port: n.port };
    throw new ValidationError(
      "INVALID_OPTION",
      `cluster.nodes: expected "host:port" or { host, port }, got ${JSON.stringify(n)}`,
    );
  });
}

/**
 * The Cluster client. Per node: the single-node driver's timeouts and no resend (`node`), but
 * neither its retryStrategy (a node that goes away must end, so the client drops it and follows
 * the cluster's MOVED to the promoted replica) nor its offline queue (nodes connect lazily: the
 * commands sent while a node connects wait for it, at most connectTimeout). For the cluster: no
 * resend of a command whose connection dropped (`retryDelayOnFailover: 0`: it may have run on
 * the old master), CLUSTERDOWN / TRYAGAIN (replies that mean "not run") retried every 100 ms up to
 * `maxRedirections` times, reads from masters only (read-your-writes). The cluster's own offline
 * queue is on (ioredis refuses commands to a node still connecting without it); the driver only
 * sends when the cluster is ready and bounds every call by commandTimeoutMs itself.
 */
export function createClusterClient(
  nodes: ClusterNode[],
  node: RedisOptions,
  user: ClusterOptions | undefined,
): Cluster {
  const { retryStrategy: _retry, enableOfflineQueue: _queue, ...perNode } = node;
  return new Cluster(nodes, {
    enableOfflineQueue: true,
    enableReadyCheck: true,
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
    scaleReads: "master",
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    slotsRefreshTimeout: Math.min(node.connectTimeout ?? 1_000, 2_000),
    ...user,
    redisOptions: { ...perNode, ...user?.redisOptions },
  });
}
