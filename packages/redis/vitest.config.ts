import { defineStowageProject } from "@stowage/vitest-preset";

// The Redis server comes from STOWAGE_REDIS_URL, or Testcontainers starts one (tooling/testdb).
export default defineStowageProject("redis", import.meta.url, {
  test: { globalSetup: ["../../tooling/testdb/src/global-redis.ts"] },
});
