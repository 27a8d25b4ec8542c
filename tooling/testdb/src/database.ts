// A fresh PostgreSQL database per test file (or per test) on the provided server.
import { randomBytes } from "node:crypto";
import { maskUrl } from "./config.ts";

export interface TestDatabase extends AsyncDisposable {
  /** The database's name, e.g. `stowage_pg_m3x1k2_a1b2c3`. */
  name: string;
  /** `baseUrl` pointing at the new database. */
  url: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

/** `prefix` lowered to [a-z0-9_], then a time stamp and a random part: unique, at most 63 bytes. */
export function testDatabaseName(prefix = "stowage_test"): string {
  const safe = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^[^a-z_]+/, "")
    .slice(0, 40);
  return `${safe || "stowage_test"}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}

/**
 * Creates a new database with a unique name on the server of `baseUrl` (whose user may create
 * databases) and returns its URL. Use it in `beforeAll`, and `drop()` it in `afterAll`.
 */
export async function createTestDatabase(
  baseUrl: string,
  prefix = "stowage_test",
): Promise<TestDatabase> {
  const { default: postgres } = await import("postgres");
  const name = testDatabaseName(prefix);
  const admin = () => postgres(baseUrl, { max: 1, connect_timeout: 10, onnotice: () => {} });
  const sql = admin();
  try {
    await sql`CREATE DATABASE ${sql(name)}`;
  } catch (error) {
    throw new Error(
      `cannot create test database ${name} on ${maskUrl(baseUrl)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    await sql.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    const sql = admin();
    try {
      await sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`;
    } finally {
      await sql.end();
    }
  };
  return { name, url: url.toString(), drop, [Symbol.asyncDispose]: drop };
}
