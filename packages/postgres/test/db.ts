// The one place tests learn where PostgreSQL is. Each test file works in its own PostgreSQL
// schema (option `schema`) and drops it at the end, so files run in parallel on one server.

import { randomBytes } from "node:crypto";
import { postgresUrl as providedUrl } from "@stowage/testdb";
import postgres from "postgres";

/** The run's server: STOWAGE_POSTGRES_URL, or the Testcontainers one (tooling/testdb). */
export function postgresUrl(): string {
  return providedUrl();
}

/** A schema name no other test uses, e.g. `t_kv_m3x1k2_a1b2c3`. */
export function uniqueSchema(prefix: string): string {
  return `t_${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}

/** Drops a schema made by a test (and everything in it). */
export async function dropSchema(schema: string): Promise<void> {
  const sql = postgres(postgresUrl(), { max: 1, onnotice: () => {} });
  try {
    await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
  } finally {
    await sql.end();
  }
}
