// The shared conformance kit against the run's Redis Cluster (3 masters + 3 replicas:
// STOWAGE_REDIS_CLUSTER_URL, or local redis-server processes started by tooling/testdb).
import { runConformance } from "@stowage/conformance";
import { redisClusterUrl } from "@stowage/testdb";
import { afterAll } from "vitest";
import { createRedisDriver } from "../src/index.ts";
import { deleteClusterPrefix, uniquePrefix } from "./db.ts";

const url = redisClusterUrl();
const prefix = uniquePrefix("kit-cluster");

afterAll(() => deleteClusterPrefix(url, prefix));

runConformance({
  name: "redis-cluster",
  open: () => createRedisDriver({ url, prefix }),
  // No node answers at any seed: the first call fails with UnavailableError.
  openUnreachable: () =>
    createRedisDriver({ url: "redis+cluster://127.0.0.1:1,127.0.0.1:2", connectTimeoutMs: 500 }),
  // The run's cluster with a user it does not know: WRONGPASS from every node.
  openWithBadCredentials: (secret) =>
    createRedisDriver({
      url: url.replace(
        "redis+cluster://",
        `redis+cluster://stowage-kit-nobody:${encodeURIComponent(secret)}@`,
      ),
      prefix,
      connectTimeoutMs: 2_000,
    }),
});
