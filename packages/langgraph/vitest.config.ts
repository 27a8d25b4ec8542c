import { defineStowageProject } from "@stowage/vitest-preset";

// The checkpointer kit runs on every built-in driver: PostgreSQL and Redis come from
// STOWAGE_POSTGRES_URL / STOWAGE_REDIS_URL, or Testcontainers starts them (tooling/testdb).
// The kit's specs use vitest's globals (describe/it/expect without imports).
export default defineStowageProject("langgraph", import.meta.url, {
  test: {
    globals: true,
    // The kit's list cases are named by a long `$description`: keep whole titles, so every case
    // has its own name in reports.
    taskTitleValueFormatTruncate: 0,
    globalSetup: [
      "../../tooling/testdb/src/global-postgres.ts",
      "../../tooling/testdb/src/global-redis.ts",
    ],
  },
});
