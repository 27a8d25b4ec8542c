import { defineStowageProject } from "@stowage/vitest-preset";

// @keyv/test-suite runs on every built-in driver: PostgreSQL and Redis come from
// STOWAGE_POSTGRES_URL / STOWAGE_REDIS_URL, or Testcontainers starts them (tooling/testdb).
export default defineStowageProject("keyv", import.meta.url, {
  test: {
    globalSetup: [
      "../../tooling/testdb/src/global-postgres.ts",
      "../../tooling/testdb/src/global-redis.ts",
    ],
  },
});
