// Several processes creating one fresh schema at the same moment; many concurrent update()s on
// one key from two driver instances losing nothing.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createStore } from "@stowage/core";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresDriver } from "../src/index.ts";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";

const url = postgresUrl();
const schemas: string[] = [];
const raw = postgres(url, { max: 1, onnotice: () => {} });

afterAll(async () => {
  await raw.end();
  for (const s of schemas) await dropSchema(s);
});

interface Child {
  ready: Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  go(): void;
}

function startChild(schema: string): Child {
  const script = fileURLToPath(new URL("./start-child.mjs", import.meta.url));
  const child = spawn(
    process.execPath,
    ["--conditions=@stowage/source", "--no-warnings", script, url, schema],
    {
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes("ready\n")) onReady();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (code) => {
      onReady(); // a child that died before "ready" must not hang the test
      resolve({ code, stdout, stderr });
    });
  });
  return { ready, done, go: () => child.stdin.end("go\n") };
}

describe("concurrency", () => {
  it("four processes opening a fresh schema at once create it exactly once", async () => {
    const schema = uniqueSchema("start");
    schemas.push(schema);
    const children = Array.from({ length: 4 }, () => startChild(schema));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const results = await Promise.all(children.map((c) => c.done));
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('{"ok":true,"results":[1]}');
    }
    const [[namespaces]] =
      (await raw`SELECT count(*)::int FROM pg_namespace WHERE nspname = ${schema}`.values()) as unknown as [
        [number],
      ];
    expect(namespaces).toBe(1);
    const migrations = await raw
      .unsafe(`SELECT version FROM "${schema}".migrations ORDER BY version`)
      .values();
    expect(migrations).toEqual([[1], [2]]);
    const [[rows]] = (await raw
      .unsafe(`SELECT count(*)::int FROM "${schema}".kv WHERE ns = 'start'`)
      .values()) as unknown as [[number]];
    expect(rows).toBe(4);
  }, 60_000);

  it("many concurrent update() calls on one key lose nothing", async () => {
    const schema = uniqueSchema("upd");
    schemas.push(schema);
    const a = createStore(createPostgresDriver({ url, schema, max: 4 }));
    const b = createStore(createPostgresDriver({ url, schema, max: 4 }));
    const calls = 100;
    await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        (i % 2 === 0 ? a : b)
          .kv<number>("counter")
          .update("n", (n) => (n ?? 0) + 1, { maxAttempts: 10_000 }),
      ),
    );
    const entry = await a.kv<number>("counter").getEntry("n");
    expect(entry?.value).toBe(calls);
    expect(entry?.version).toBe(calls);
    await a.close();
    await b.close();
  }, 120_000);

  it("concurrent ifAbsent writes of one key: exactly one wins", async () => {
    const schema = uniqueSchema("absent");
    schemas.push(schema);
    const a = createStore(createPostgresDriver({ url, schema, max: 4 }));
    const b = createStore(createPostgresDriver({ url, schema, max: 4 }));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).kv<number>("claim").set("k", i, { ifAbsent: true }),
      ),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    await a.close();
    await b.close();
  }, 60_000);

  it("upsertEdges racing deleteNodes on the same endpoints: no error, no dangling edge", async () => {
    const schema = uniqueSchema("race");
    schemas.push(schema);
    const a = createStore(createPostgresDriver({ url, schema, max: 4 }));
    const b = createStore(createPostgresDriver({ url, schema, max: 4 }));
    for (let round = 0; round < 40; round++) {
      await Promise.all([
        a.graph("g").upsertEdges([
          { from: "x", type: "t", to: `y${round % 3}` },
          { from: `y${round % 3}`, type: "t", to: "x" },
        ]),
        b.graph("g").deleteNodes(["x"]),
        a.graph("g").upsertEdges([{ from: "x", type: "u", to: "z" }]),
        b.graph("g").deleteNodes([`y${round % 3}`, "z"]),
      ]);
    }
    const dangling = await raw.unsafe(
      `SELECT count(*)::int FROM "${schema}".edges AS e WHERE NOT EXISTS (
         SELECT 1 FROM "${schema}".nodes AS n WHERE n.graph = e.graph AND n.id = e.from_id)
       OR NOT EXISTS (SELECT 1 FROM "${schema}".nodes AS n WHERE n.graph = e.graph AND n.id = e.to_id)`,
    );
    expect(dangling[0]?.count).toBe(0);
    await a.close();
    await b.close();
  }, 60_000);
});
