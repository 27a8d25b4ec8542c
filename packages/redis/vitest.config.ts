import { defineStowageProject } from "@stowage/vitest-preset";

// The Redis server comes from STOWAGE_REDIS_URL, or Testcontainers starts one; the Redis Cluster
// from STOWAGE_REDIS_CLUSTER_URL, or local redis-server processes (tooling/testdb).
export default defineStowageProject("redis", import.meta.url, {
  test: {
    globalSetup: [
      "../../tooling/testdb/src/global-redis.ts",
      "../../tooling/testdb/src/global-redis-cluster.ts",
    ],
  },
});
