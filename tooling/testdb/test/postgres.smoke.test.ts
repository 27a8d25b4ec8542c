import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, maskUrl, postgresUrl, type TestDatabase } from "../src/index.ts";

describe(`PostgreSQL at ${maskUrl(postgresUrl())}`, () => {
  let db: TestDatabase;
  let sql: postgres.Sql;

  beforeAll(async () => {
    db = await createTestDatabase(postgresUrl(), "stowage_smoke");
    sql = postgres(db.url, { max: 2, connect_timeout: 10, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it("connects to a fresh database of its own", async () => {
    const [row] = await sql`SELECT current_database() AS name`;
    expect(row?.name).toBe(db.name);
  });

  it("writes and reads back rows, with UTF-8 and jsonb", async () => {
    await sql`CREATE TABLE smoke (k text PRIMARY KEY, v jsonb NOT NULL)`;
    await sql`INSERT INTO smoke ${sql([{ k: "a", v: sql.json({ text: "héllo ✓", n: 1 }) }])}`;
    const rows = await sql`SELECT k, v FROM smoke`;
    expect(rows.map((r) => ({ k: r.k, v: r.v }))).toEqual([
      { k: "a", v: { text: "héllo ✓", n: 1 } },
    ]);
  });

  it("is PostgreSQL 15 or newer", async () => {
    const [row] =
      await sql`SELECT current_setting('server_version_num')::int AS num, version() AS text`;
    console.log(`[testdb] ${row?.text}`);
    expect(row?.num).toBeGreaterThanOrEqual(150000);
  });

  it("drops the database with drop(), even with a connection still open", async () => {
    const other = await createTestDatabase(postgresUrl(), "stowage_smoke_drop");
    const open = postgres(other.url, { max: 1, onnotice: () => {} });
    await open`SELECT 1`;
    await other.drop();
    const admin = postgres(postgresUrl(), { max: 1, onnotice: () => {} });
    const left = await admin`SELECT 1 FROM pg_database WHERE datname = ${other.name}`;
    await admin.end();
    await open.end({ timeout: 0 }).catch(() => {});
    expect(left.length).toBe(0);
  });
});
