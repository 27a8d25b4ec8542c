// A database of its own for the pgvector tests: CREATE EXTENSION is database-wide, so these
// tests make a database (with or without the extension) on the run's server and drop it after.
// The run's Testcontainers image has pgvector (tooling/testdb/images/postgres, and the
// pgvector/pgvector image where a registry is reachable); a server given by STOWAGE_POSTGRES_URL
// may not: then `skip` says why, instead of failing every case.

import { createTestDatabase, type TestDatabase } from "@stowage/testdb";
import postgres from "postgres";
import { postgresUrl } from "./db.ts";

export type { TestDatabase } from "@stowage/testdb";

/** A new empty database on the run's server; with `pgvector`, the extension created in it. */
export async function createDatabase(
  prefix: string,
  pgvector: boolean,
): Promise<TestDatabase | { skip: string }> {
  if (pgvector && process.env.STOWAGE_POSTGRES_URL) {
    const sql = postgres(postgresUrl(), { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`;
      if (!row) return { skip: "the server of STOWAGE_POSTGRES_URL has no pgvector extension" };
    } finally {
      await sql.end();
    }
  }
  const db = await createTestDatabase(postgresUrl(), prefix);
  if (pgvector) {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      await sql`CREATE EXTENSION vector`;
    } catch (error) {
      await db.drop();
      throw error;
    } finally {
      await sql.end();
    }
  }
  return db;
}
