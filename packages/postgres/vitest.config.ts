import { defineStowageProject } from "@stowage/vitest-preset";

// The PostgreSQL server comes from STOWAGE_POSTGRES_URL, or Testcontainers starts one (tooling/testdb).
export default defineStowageProject("postgres", import.meta.url, {
  test: { globalSetup: ["../../tooling/testdb/src/global-postgres.ts"] },
});
