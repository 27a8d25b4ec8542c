// What each database is called, where its URL and image come from, and how a URL is printed.
// Kept free of Node-only and vitest runtime imports: test files and the vitest main process use it.

// `inject("stowageRedisUrl")` / `inject("stowagePostgresUrl")` are typed for every importer.
declare module "vitest" {
  export interface ProvidedContext {
    stowageRedisUrl: string;
    stowagePostgresUrl: string;
    stowageRedisClusterUrl: string;
  }
}

/** A running Redis Cluster to use (`redis+cluster://host:port,…`) instead of local redis-server processes. */
export const REDIS_CLUSTER_URL_ENV = "STOWAGE_REDIS_CLUSTER_URL";

export type DatabaseKind = "redis" | "postgres";

export interface DatabaseSpec {
  kind: DatabaseKind;
  /** Shown in messages. */
  title: string;
  /** A server to use instead of a container. */
  urlEnv: string;
  /** Image for Testcontainers; unset = the pinned official image below. */
  imageEnv: string;
  /** Pinned official image: used where a registry can be reached. */
  defaultImage: string;
  /** The key under which vitest's provide/inject carries the URL. */
  provideKey: "stowageRedisUrl" | "stowagePostgresUrl";
  defaultPort: number;
  /** How a URL for this database looks, for messages. */
  exampleUrl: string;
}

// The official images are pinned to exact tags so that every run tests the same server.
// Machines without a registry use the images built from Debian packages by images/build.sh
// (provide.sh sets STOWAGE_REDIS_IMAGE / STOWAGE_POSTGRES_IMAGE to them).
export const SPECS: Record<DatabaseKind, DatabaseSpec> = {
  redis: {
    kind: "redis",
    title: "Redis",
    urlEnv: "STOWAGE_REDIS_URL",
    imageEnv: "STOWAGE_REDIS_IMAGE",
    defaultImage: "redis:7.4.2",
    provideKey: "stowageRedisUrl",
    defaultPort: 6379,
    exampleUrl: "redis://127.0.0.1:6379",
  },
  postgres: {
    kind: "postgres",
    title: "PostgreSQL",
    urlEnv: "STOWAGE_POSTGRES_URL",
    imageEnv: "STOWAGE_POSTGRES_IMAGE",
    // The official postgres:16 image with pgvector 0.8.0 added (the pgvector tests need it),
    // published by the pgvector project; the local image (images/postgres) builds it too.
    defaultImage: "pgvector/pgvector:0.8.0-pg16",
    provideKey: "stowagePostgresUrl",
    defaultPort: 5432,
    exampleUrl: "postgres://user:password@127.0.0.1:5432/test",
  },
};

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; also masks password=… in the query. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const key of [...parsed.searchParams.keys()]) {
      if (/^(password|pass|pwd|token|secret)$/i.test(key)) parsed.searchParams.set(key, "***");
    }
    return parsed.toString();
  } catch {
    // Not a URL we can parse: hide anything between "://user:" and "@".
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
  }
}

/** The message for "no server URL and no Docker engine": it names both ways to get a database. */
export function noDatabaseMessage(spec: DatabaseSpec, reason: string): string {
  return [
    `No ${spec.title} for the tests: ${spec.urlEnv} is not set and Testcontainers cannot use a Docker engine (${reason}).`,
    "Provide the test databases in one of two ways:",
    `  1. servers you run: ${SPECS.redis.urlEnv}=${SPECS.redis.exampleUrl} ${SPECS.postgres.urlEnv}=${SPECS.postgres.exampleUrl}`,
    "  2. a Docker engine for Testcontainers (DOCKER_HOST, or /var/run/docker.sock): `bash tooling/scripts/run.sh test`",
    "     installs and starts one, and builds local images where no registry can be reached.",
    'See CONTRIBUTING.md, section "Test databases".',
  ].join("\n");
}
