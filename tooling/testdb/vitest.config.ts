import { defineStowageProject } from "@stowage/vitest-preset";

// Smoke tests of the test databases themselves: a broken image or URL fails here, by name,
// rather than as hundreds of failures in the driver suites.
export default defineStowageProject("testdb", import.meta.url, {
  test: {
    globalSetup: ["./src/global-redis.ts", "./src/global-postgres.ts"],
    sequence: { groupOrder: 0 },
  },
});
