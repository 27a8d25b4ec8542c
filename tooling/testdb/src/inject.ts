// For test files: the URL that the project's globalSetup provided.
import { inject } from "vitest";
import { type DatabaseSpec, REDIS_CLUSTER_URL_ENV, SPECS } from "./config.ts";

function injected(spec: DatabaseSpec): string {
  const url = inject(spec.provideKey);
  if (!url) {
    throw new Error(
      `No ${spec.title} URL was provided to this test project: add ` +
        `globalSetup: ["../../tooling/testdb/src/global-${spec.kind}.ts"] to its vitest.config.ts ` +
        `(CONTRIBUTING.md, "Test databases").`,
    );
  }
  return url;
}

/** The Redis server of this test run (from STOWAGE_REDIS_URL or Testcontainers). Share it: use unique key prefixes. */
export function redisUrl(): string {
  return injected(SPECS.redis);
}

/** The PostgreSQL server of this test run (from STOWAGE_POSTGRES_URL or Testcontainers). See createTestDatabase(). */
export function postgresUrl(): string {
  return injected(SPECS.postgres);
}

/**
 * The Redis Cluster of this test run (`redis+cluster://…`: from STOWAGE_REDIS_CLUSTER_URL, or
 * 3 masters + 3 replicas of local redis-server processes). Share it: use unique key prefixes.
 */
export function redisClusterUrl(): string {
  const url = inject("stowageRedisClusterUrl");
  if (!url) {
    throw new Error(
      `No Redis Cluster was provided to this test project: add globalSetup: ["../../tooling/testdb/src/global-redis-cluster.ts"] ` +
        `to its vitest.config.ts, or set ${REDIS_CLUSTER_URL_ENV}.`,
    );
  }
  return url;
}
