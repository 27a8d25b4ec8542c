// @stowage/test-stores: the four built-in drivers, each over its own isolated place on the run's servers: a fresh
// in-process database, a temp file, a PostgreSQL schema, a Redis key prefix. `cleanup()` removes it.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openStore, type Store } from "@stowage/core";
import { createLibsqlDriver } from "@stowage/libsql";
import { createMemoryDriver } from "@stowage/memory";
import { createPostgresDriver } from "@stowage/postgres";
import { createRedisDriver } from "@stowage/redis";
import { deleteRedisPrefix, postgresUrl, redisUrl } from "@stowage/testdb";
import postgres from "postgres";

export type DriverName = "memory" | "libsql" | "postgres" | "redis";
export const DRIVERS: readonly DriverName[] = ["memory", "libsql", "postgres", "redis"];

export interface TestStore {
  readonly store: Store;
  /** Closes the store and removes everything it wrote. */
  cleanup(): Promise<void>;
}

function unique(label: string): string {
  return `t_${label}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}

export async function openTestStore(driver: DriverName, label: string): Promise<TestStore> {
  switch (driver) {
    case "memory": {
      const store = await openStore(createMemoryDriver());
      return { store, cleanup: () => store.close() };
    }
    case "libsql": {
      const dir = mkdtempSync(path.join(tmpdir(), `stowage-${label}-`));
      const store = await openStore(
        createLibsqlDriver({ url: `file:${path.join(dir, "test.db")}` }),
      );
      return {
        store,
        cleanup: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    case "postgres": {
      const schema = unique(label);
      const url = postgresUrl();
      const store = await openStore(createPostgresDriver({ url, schema, max: 4 }));
      return {
        store,
        cleanup: async () => {
          await store.close();
          const sql = postgres(url, { max: 1, onnotice: () => {} });
          try {
            await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
          } finally {
            await sql.end();
          }
        },
      };
    }
    case "redis": {
      const prefix = unique(label).replaceAll("_", "-");
      const url = redisUrl();
      const store = await openStore(createRedisDriver({ url, prefix }));
      return {
        store,
        cleanup: async () => {
          await store.close();
          await deleteRedisPrefix(url, prefix);
        },
      };
    }
  }
}
