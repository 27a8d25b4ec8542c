import { defineStowageProject } from "@stowage/vitest-preset";

// The CLI's tests run against real servers: PostgreSQL and Redis from STOWAGE_POSTGRES_URL /
// STOWAGE_REDIS_URL, or the ones Testcontainers starts (tooling/testdb); libSQL files in temp dirs.
export default defineStowageProject("cli", import.meta.url, {
  test: {
    globalSetup: [
      "../../tooling/testdb/src/global-postgres.ts",
      "../../tooling/testdb/src/global-redis.ts",
    ],
  },
});
