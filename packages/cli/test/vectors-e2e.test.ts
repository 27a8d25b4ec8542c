// Vectors along the operator's path, the CLI spawned as a user runs it: a memory store's export
// (written in this process: a memory store lives only in its process) imported into a libSQL
// file, exported again, migrated into PostgreSQL behind a password and exported from there. Every
// vector's float32 bits and metadata must come out as they went in, stats must agree, and no
// output may contain the password.

import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { decodeProps, openStore } from "@stowage/core";
import { createTestDatabase, postgresUrl, type TestDatabase } from "@stowage/testdb";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBundledDrivers } from "../src/drivers.ts";
import { main } from "../src/index.ts";
import { capture, type Spawned, stowage } from "./helpers.ts";
import { fixture, load } from "./vector-fixtures.ts";

const dir = mkdtempSync(path.join(tmpdir(), "stowage-cli-vectors-e2e-"));
const role = `cliv_${randomBytes(4).toString("hex")}`;
const password = `Pw${randomBytes(9).toString("hex")}`;
const outputs: Spawned[] = [];
const docs = fixture("docs", 16, "cosine", 700, 21);
const tiny = fixture("tiny", 3, "l2", 4, 22);
const VECTORS = docs.items.length + tiny.items.length;
let pgProblem: string | undefined;
let db: TestDatabase | undefined;
let secretUrl = "";

async function admin<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(postgresUrl(), { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

beforeAll(async () => {
  try {
    postgresUrl();
  } catch (error) {
    pgProblem = `no PostgreSQL for this run (STOWAGE_POSTGRES_URL unset and none provided): ${(error as Error).message}`;
    return;
  }
  db = await createTestDatabase(postgresUrl(), "stowage_cli_vec");
  const name = db.name;
  await admin(async (sql) => {
    await sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await sql.unsafe(`ALTER DATABASE ${name} OWNER TO ${role}`);
  });
  const url = new URL(db.url);
  url.username = role;
  url.password = password;
  secretUrl = url.toString();
});

afterAll(async () => {
  if (db) {
    await db.drop();
    await admin((sql) => sql.unsafe(`DROP ROLE IF EXISTS ${role}`));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<Spawned> {
  const result = await stowage(args, { cwd: dir });
  outputs.push(result);
  return result;
}

interface VectorLine {
  kind: string;
  collection: string;
  id: string;
  vector: string;
  metadata: string;
}

/** The vector records of an export file (plain or gzip), in file order. */
function vectorLines(name: string): VectorLine[] {
  const raw = readFileSync(path.join(dir, name));
  const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString("utf8");
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === "vector");
}

/** Same ids in the same order, the same base64 float32 bytes, the same metadata values. */
function expectSameVectorLines(actual: VectorLine[], expected: VectorLine[]): void {
  expect(actual.map((r) => [r.collection, r.id, r.vector])).toEqual(
    expected.map((r) => [r.collection, r.id, r.vector]),
  );
  expect(actual.map((r) => decodeProps(r.metadata))).toEqual(
    expected.map((r) => decodeProps(r.metadata)),
  );
}

describe("vectors through the spawned CLI", () => {
  it("memory → libSQL file → PostgreSQL: every float32 bit and metadata value survives, no password printed", {
    timeout: 180_000,
  }, async (ctx) => {
    // The memory driver's export, in this process (a spawned CLI would see an empty memory store).
    registerBundledDrivers();
    const memory = await openStore("memory://cli-vectors-e2e");
    try {
      await memory.kv("notes").set("n1", { hello: "world" });
      await load(memory, docs);
      await load(memory, tiny);
      const c = capture();
      expect(
        await main(
          ["export", "--url", "memory://cli-vectors-e2e", "-o", path.join(dir, "mem.jsonl")],
          c.io,
        ),
        c.stderr(),
      ).toBe(0);
    } finally {
      await memory.close();
    }
    const original = vectorLines("mem.jsonl");
    expect(original).toHaveLength(VECTORS);
    // Ids in UTF-8 byte order, whatever their case, accents or script.
    const docIds = original.filter((r) => r.collection === "docs").map((r) => r.id);
    expect(docIds).toEqual(
      [...docIds].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );

    const imported = await run("import", "--url", "file:A.db", "mem.jsonl");
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(
      new RegExp(
        `^imported ${(VECTORS + 3).toLocaleString("en-US")} records \\(1 key, 0 nodes, 0 edges, ${VECTORS} vectors in 2 collections\\) from mem\\.jsonl into file:A\\.db`,
      ),
    );
    const fromLibsql = await run("export", "--url", "file:A.db", "-o", "a.jsonl.gz");
    expect(fromLibsql.code, fromLibsql.stderr).toBe(0);
    expectSameVectorLines(vectorLines("a.jsonl.gz"), original);

    if (pgProblem) {
      ctx.skip(pgProblem);
      return;
    }
    const migrated = await run("migrate", "--from", "file:A.db", "--to", secretUrl);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain(`to postgres://${role}:***@`);
    expect(migrated.stdout).toContain(
      "1 namespace, 0 graphs and 2 vector collections match (counts and content checksums)",
    );
    const fromPostgres = await run(
      "export",
      "--url",
      secretUrl,
      "--vectors",
      "docs",
      "--vectors",
      "tiny",
      "-o",
      "pg.jsonl",
    );
    expect(fromPostgres.code, fromPostgres.stderr).toBe(0);
    expect(fromPostgres.stdout).toMatch(
      new RegExp(
        `\\(0 keys, 0 nodes, 0 edges, ${VECTORS} vectors in 2 collections\\) from postgres://${role}:\\*\\*\\*@`,
      ),
    );
    expectSameVectorLines(vectorLines("pg.jsonl"), original);

    // PostgreSQL back into a fresh libSQL file, verified on the way.
    const back = await run("migrate", "--from", secretUrl, "--to", "file:C.db", "--json");
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({
      ok: true,
      vectors: VECTORS,
      verified: { ok: true, vectorCollections: 2, differences: [] },
    });

    const stats = await Promise.all(
      ["file:A.db", secretUrl, "file:C.db"].map((url) => run("stats", "--json", "--url", url)),
    );
    for (const s of stats) expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(stats[0]?.stdout ?? "")).toMatchObject({
      vectors: {
        docs: { dims: 16, metric: "cosine", count: docs.items.length },
        tiny: { dims: 3, metric: "l2", count: tiny.items.length },
      },
      totals: { vectorCollections: 2, vectors: VECTORS },
    });
    expect(stats[1]?.stdout).toBe(stats[0]?.stdout);
    expect(stats[2]?.stdout).toBe(stats[0]?.stdout);

    const check = await run("check", "--url", secretUrl);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^ {2}vectors +yes: exact search/m);

    const everything = outputs.map((o) => o.stdout + o.stderr).join("\n");
    expect(everything).toContain(":***@");
    expect(everything).not.toContain(password);
  });
});
