// The operator's path, spawned as a user runs it: --version, demo on file:A, export to .jsonl.gz,
// import into file:B, migrate file:A → a fresh PostgreSQL database whose URL has a password,
// stats --json equal on all three, check healthy and unreachable. No output of any of these
// commands (stdout and stderr) may contain the password.

import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { createTestDatabase, postgresUrl, redisUrl, type TestDatabase } from "@stowage/testdb";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pkg from "../package.json" with { type: "json" };
import { type Spawned, stowage } from "./helpers.ts";

const dir = mkdtempSync(path.join(tmpdir(), "stowage-cli-e2e-"));
const role = `cli_${randomBytes(4).toString("hex")}`;
const password = `Pw${randomBytes(9).toString("hex")}`;
let db: TestDatabase;
let secretUrl: string;
const outputs: Spawned[] = [];

async function admin<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(postgresUrl(), { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase(postgresUrl(), "stowage_cli");
  // A role of our own with a password, owning the fresh database: the URL the user would paste.
  await admin(async (sql) => {
    await sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await sql.unsafe(`ALTER DATABASE ${db.name} OWNER TO ${role}`);
  });
  const url = new URL(db.url);
  url.username = role;
  url.password = password;
  secretUrl = url.toString();
});

afterAll(async () => {
  await db?.drop();
  await admin((sql) => sql.unsafe(`DROP ROLE IF EXISTS ${role}`));
  rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<Spawned> {
  const result = await stowage(args, { cwd: dir });
  outputs.push(result);
  return result;
}

describe("stowage, spawned as a user runs it", () => {
  // Fourteen processes, each loading the CLI from source: generous time on a loaded machine.
  it("demo → export → import → migrate to PostgreSQL: equal stats everywhere, no password printed", {
    timeout: 180_000,
  }, async () => {
    const version = await run("--version");
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });

    const demo = await run("demo", "--url", "file:A.db");
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain("stowage demo · libsql driver · file:A.db");

    const exported = await run("export", "--url", "file:A.db", "-o", "x.jsonl.gz");
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(
      /^exported 30 records \(3 keys, 13 nodes, 14 edges, 0 vectors\) from file:A\.db to x\.jsonl\.gz \(gzip\)/,
    );
    const lines = gunzipSync(readFileSync(path.join(dir, "x.jsonl.gz")))
      .toString("utf8")
      .trim()
      .split("\n");
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      kind: "header",
      format: "stowage-export",
      version: 2,
      driver: "libsql",
    });
    expect(JSON.parse(lines.at(-1) as string)).toEqual({ kind: "end", records: 30 });
    expect(lines).toHaveLength(32);

    const imported = await run("import", "--url", "file:B.db", "x.jsonl.gz");
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(
      /^imported 30 records \(3 keys, 13 nodes, 14 edges, 0 vectors\) from x\.jsonl\.gz into file:B\.db/,
    );

    const migrated = await run("migrate", "--from", "file:A.db", "--to", secretUrl);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain(`to postgres://${role}:***@`);
    expect(migrated.stdout).toContain("verified in");
    expect(migrated.stdout).toContain(
      "2 namespaces, 1 graph and 0 vector collections match (counts and content checksums)",
    );

    // A second migrate into the now non-empty target is refused, and says why.
    const again = await run("migrate", "--from", "file:A.db", "--to", secretUrl);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty .*pass --merge/);

    const stats = await Promise.all(
      ["file:A.db", "file:B.db", secretUrl].map((url) => run("stats", "--json", "--url", url)),
    );
    for (const s of stats) expect(s.code, s.stderr).toBe(0);
    const [a, b, pg] = stats.map((s) => JSON.parse(s.stdout));
    expect(a).toEqual({
      namespaces: { demo: 1, sessions: 2 },
      graphs: { "demo-kg": { nodes: 13, edges: 14 } },
      vectors: {},
      totals: {
        namespaces: 2,
        keys: 3,
        graphs: 1,
        nodes: 13,
        edges: 14,
        vectorCollections: 0,
        vectors: 0,
      },
    });
    expect(stats[1]?.stdout).toBe(stats[0]?.stdout);
    expect(stats[2]?.stdout).toBe(stats[0]?.stdout);
    expect(b).toEqual(a);
    expect(pg).toEqual(a);

    const wrong = new URL(secretUrl);
    wrong.password = `${password}x`;
    const [healthy, healthyRedis, dead] = await Promise.all([
      run("check", "--url", secretUrl),
      run("check", "--url", redisUrl(), "--json"),
      run("check", "--url", "redis://127.0.0.1:1"),
      // A wrong password: whatever the server answers, the output shows the URL masked, never the password tried.
      run("stats", "--url", wrong.toString(), "--json"),
    ]);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/^ok postgres:\/\/.*:\*\*\*@/);
    expect(healthy.stdout).toMatch(/driver +postgres/);
    expect(healthy.stdout).toMatch(/latency +\d/);
    expect(healthy.stdout).toMatch(/schema +version \d+ /);
    expect(healthy.stdout).toMatch(/circuit +closed/);
    expect(healthyRedis.code, healthyRedis.stderr).toBe(0);
    expect(JSON.parse(healthyRedis.stdout)).toMatchObject({
      ok: true,
      driver: "redis",
      capabilities: { kv: true },
      schemaVersion: null,
      circuit: "closed",
    });
    expect(dead.code).toBe(1);
    expect(dead.stdout).toBe("");
    expect(dead.stderr.trim().split("\n")).toHaveLength(1);
    expect(dead.stderr).toMatch(/^stowage check: redis:\/\/127\.0\.0\.1:1: unreachable: /);

    const everything = outputs.map((o) => o.stdout + o.stderr).join("\n");
    expect(everything).toContain(":***@");
    expect(everything).not.toContain(password);
  });
});
