// @stowage/testdb: real databases for the driver test suites.
//
// In a package's vitest.config.ts:
//   defineStowageProject("redis", import.meta.url, {
//     test: { globalSetup: ["../../tooling/testdb/src/global-redis.ts"] },
//   })
// In its tests:
//   import { redisUrl } from "@stowage/testdb";
//   const driver = createRedisDriver({ url: redisUrl(), prefix: `t-${randomUUID()}` });
//
// The URL comes from STOWAGE_REDIS_URL / STOWAGE_POSTGRES_URL when set, otherwise from a container
// that Testcontainers starts once per test run (see CONTRIBUTING.md, "Test databases").
import type { TestProject } from "vitest/node";

export type { DatabaseKind, DatabaseSpec } from "./config.ts";
export { maskUrl, REDIS_CLUSTER_URL_ENV, SPECS } from "./config.ts";
export type { TestDatabase } from "./database.ts";
export { deleteRedisPrefix } from "./cleanup.ts";
export { createTestDatabase, testDatabaseName } from "./database.ts";
export { postgresUrl, redisClusterUrl, redisUrl } from "./inject.ts";
export type { ClusterNode, ClusterOptions, LocalRedisCluster } from "./redis-cluster.ts";
export { redisServerBin, startRedisCluster, waitClusterOk } from "./redis-cluster.ts";

// The globalSetup bodies, for a project that writes its own globalSetup file. Loaded lazily so
// that test files importing this module do not load Testcontainers.
export async function redisGlobalSetup(project: TestProject): Promise<() => Promise<void>> {
  return (await import("./provider.ts")).redisGlobalSetup(project);
}
export async function redisClusterGlobalSetup(project: TestProject): Promise<() => Promise<void>> {
  return (await import("./provider.ts")).redisClusterGlobalSetup(project);
}
export async function postgresGlobalSetup(project: TestProject): Promise<() => Promise<void>> {
  return (await import("./provider.ts")).postgresGlobalSetup(project);
}
