// @stowage/postgres: the PostgreSQL driver (postgres.js) for stowage.

import type { Driver } from "@stowage/core";
import { createPostgresDriver } from "./driver.ts";
import type { PostgresDriverOptions } from "./driver.ts";

export { createPostgresDriver, MAX_VALUE_BYTES } from "./driver.ts";
export type { PostgresDriverOptions } from "./driver.ts";
export { DEFAULT_SCHEMA } from "./schema.ts";

/** For core's `openStore("postgres://…")`: options are the driver options other than `url`. */
export async function openDriver(url: string, options?: Record<string, unknown>): Promise<Driver> {
  return createPostgresDriver({ ...(options as Omit<PostgresDriverOptions, "url">), url });
}
