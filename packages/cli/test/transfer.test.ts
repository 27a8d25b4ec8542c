// export / import / migrate in-process (captured streams) on libSQL files: bad input writes
// nothing and says which line, stdin imports stop at the first bad batch, selections, progress
// on a terminal and none elsewhere, and the verification catching a difference.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { openStore, type Store } from "@stowage/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/index.ts";
import { registerBundledDrivers } from "../src/drivers.ts";
import { verify } from "../src/verify.ts";
import { capture } from "./helpers.ts";

const dir = mkdtempSync(path.join(tmpdir(), "stowage-cli-transfer-"));
const file = (name: string) => path.join(dir, name);
let counter = 0;
const freshUrl = () => `file:${file(`t${++counter}.db`)}`;
const sourceUrl = `file:${file("source.db")}`;
let exportText = "";

async function withStore<T>(url: string, work: (store: Store) => Promise<T>): Promise<T> {
  registerBundledDrivers();
  const store = await openStore(url);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function statsOf(url: string): Promise<unknown> {
  const c = capture();
  expect(await main(["stats", "--json", "--url", url], c.io)).toBe(0);
  return JSON.parse(c.stdout());
}

const EMPTY = {
  namespaces: {},
  graphs: {},
  vectors: {},
  totals: {
    namespaces: 0,
    keys: 0,
    graphs: 0,
    nodes: 0,
    edges: 0,
    vectorCollections: 0,
    vectors: 0,
  },
};

beforeAll(async () => {
  await withStore(sourceUrl, async (store) => {
    await store.kv("users").setMany(
      Array.from({ length: 1200 }, (_, i) => ({
        key: `u${String(i).padStart(4, "0")}`,
        value: { i, at: new Date(i) },
      })),
    );
    await store.kv("cache").set("soon", "gone", { ttlMs: 60_000 });
    await store.graph("kg").upsertEdges([
      { from: "a", type: "knows", to: "b", props: { since: 2020 } },
      { from: "b", type: "knows", to: "c" },
    ]);
  });
  const c = capture();
  expect(await main(["export", "--url", sourceUrl], c.io)).toBe(0);
  exportText = c.stdout();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("stowage export", () => {
  it("writes JSON Lines to stdout, the summary to stderr, and selects namespaces and graphs", async () => {
    const lines = exportText
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ kind: "header", driver: "libsql" });
    expect(lines.filter((l) => l.kind === "kv")).toHaveLength(1201);
    expect(lines.filter((l) => l.kind === "node")).toHaveLength(3);
    expect(lines.at(-1)).toEqual({ kind: "end", records: 1206 });

    const only = capture();
    expect(
      await main(
        ["export", "--url", sourceUrl, "--namespace", "cache", "--json", "-o", "-"],
        only.io,
      ),
    ).toBe(0);
    const kinds = only
      .stdout()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).kind);
    expect(kinds).toEqual(["header", "kv", "end"]);
    expect(JSON.parse(only.stderr())).toMatchObject({
      ok: true,
      records: 1,
      kv: 1,
      nodes: 0,
      edges: 0,
      gzip: false,
    });

    const graph = capture();
    expect(
      await main(["export", "--url", sourceUrl, "--graph", "kg", "--gzip", "--quiet"], graph.io),
    ).toBe(0);
    expect(graph.stdoutBytes().subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(graph.stderr()).toBe("");
  });

  it("draws a progress line on a terminal, and nothing but the summary elsewhere", async () => {
    const tty = capture({ tty: true });
    expect(await main(["export", "--url", sourceUrl, "-o", file("tty.jsonl")], tty.io)).toBe(0);
    expect(tty.stderr()).toMatch(
      /\r\x1b\[2Kexport · (kv|nodes|edges) \S+ · \[[#-]+\] \d+% · [\d,]+\/1,206 records · [\d,]+ rec\/s · 0:0\d/,
    );
    expect(tty.stdout()).toMatch(/^exported 1,206 records/);

    const piped = capture();
    expect(await main(["export", "--url", sourceUrl, "-o", file("piped.jsonl")], piped.io)).toBe(0);
    expect(piped.stderr()).toBe("");
    expect(piped.stdout().trim().split("\n")).toHaveLength(1);
    expect(readFileSync(file("piped.jsonl"), "utf8")).toBe(exportText);
  });
});

describe("stowage import: bad input writes nothing and says why", () => {
  const bad = (name: string, text: string | Buffer) => {
    writeFileSync(file(name), text);
    return file(name);
  };
  const lines = () => exportText.trim().split("\n");

  async function refused(input: string, message: RegExp, args: string[] = []) {
    const url = freshUrl();
    const c = capture();
    const code = await main(["import", "--url", url, ...args, input], c.io);
    expect(code).not.toBe(0);
    expect(c.stderr().trim().split("\n")).toHaveLength(1);
    expect(c.stderr()).toMatch(message);
    // Nothing written: the database is empty, or was never even created.
    if (existsSync(url.slice("file:".length))) expect(await statsOf(url)).toEqual(EMPTY);
    return c;
  }

  it("a missing file, a truncated .gz, a non-export line, an unknown kind, a newer version, a missing end", async () => {
    await refused(file("nope.jsonl"), /^stowage import: cannot read .*nope\.jsonl: no such file/);
    const gz = gzipSync(Buffer.from(exportText));
    await refused(
      bad("cut.gz", gz.subarray(0, Math.floor(gz.length / 2))),
      /cut\.gz: not valid gzip, or truncated: .*; nothing was written/,
    );
    const l = lines();
    await refused(
      bad("json.jsonl", [l[0], l[1], '{"hello":"world"}', ...l.slice(2)].join("\n")),
      /json\.jsonl: line 3: unknown record kind null .*; nothing was written/,
    );
    await refused(
      bad("text.jsonl", [l[0], l[1], "not json", ...l.slice(2)].join("\n")),
      /line 3: not valid JSON/,
    );
    await refused(
      bad("kind.jsonl", [l[0], '{"kind":"embedding","ns":"x"}', ...l.slice(1)].join("\n")),
      /line 2: unknown record kind "embedding"/,
    );
    await refused(
      bad("newer.jsonl", [l[0]?.replace('"version":2', '"version":3'), ...l.slice(1)].join("\n")),
      /line 1: export format version 3 is newer than this stowage reads \(2\)/,
    );
    await refused(bad("noheader.jsonl", l.slice(1).join("\n")), /line 1: not a stowage export/);
    await refused(
      bad(
        "badkey.jsonl",
        [
          l[0],
          '{"kind":"kv","ns":"bad name!","key":"k","value":"1","expiresAt":null}',
          ...l.slice(1),
        ].join("\n"),
      ),
      /line 2: namespace "bad name!" is not valid/,
    );
    await refused(
      bad(
        "badvalue.jsonl",
        [
          l[0],
          '{"kind":"kv","ns":"n","key":"k","value":"{not json","expiresAt":null}',
          ...l.slice(1),
        ].join("\n"),
      ),
      /line 2: value of key "k" is not valid stowage encoding/,
    );
    await refused(
      bad("cutlines.jsonl", l.slice(0, 600).join("\n")),
      /ends at line 600 without the end record .*truncated/,
    );
    await refused(
      bad("miscount.jsonl", [...l.slice(0, -1), '{"kind":"end","records":5}'].join("\n")),
      /the end record counts 5 records, but 1206 came before it/,
    );
  });

  it("--no-end-check imports input written without the end record", async () => {
    const url = freshUrl();
    const c = capture();
    expect(
      await main(
        [
          "import",
          "--url",
          url,
          "--no-end-check",
          bad("noend.jsonl", lines().slice(0, -1).join("\n")),
        ],
        c.io,
      ),
    ).toBe(0);
    expect(await statsOf(url)).toEqual(await statsOf(sourceUrl));
  });

  it("gzip is told by its magic bytes, not the name; stdin works", async () => {
    const url = freshUrl();
    const c = capture();
    expect(
      await main(
        [
          "import",
          "--url",
          url,
          "--json",
          bad("named-plain.jsonl", gzipSync(Buffer.from(exportText))),
        ],
        c.io,
      ),
    ).toBe(0);
    expect(JSON.parse(c.stdout())).toMatchObject({
      ok: true,
      records: 1206,
      kv: 1201,
      nodes: 3,
      edges: 2,
      written: 1206,
    });
    expect(await statsOf(url)).toEqual(await statsOf(sourceUrl));

    const url2 = freshUrl();
    const piped = capture({ stdin: exportText });
    expect(await main(["import", "--url", url2, "-"], piped.io)).toBe(0);
    expect(piped.stdout()).toMatch(
      /^imported 1,206 records \(1,201 keys, 3 nodes, 2 edges, 0 vectors\) from stdin into file:/,
    );
    expect(await statsOf(url2)).toEqual(await statsOf(sourceUrl));
  });

  it("stdin: stops at the first bad line before writing its batch, and says what was written", async () => {
    const url = freshUrl();
    const l = lines();
    // "cache" (1 record, its own batch) comes first, then "users" in batches of 500: the bad line
    // (line 702) is the 700th record of "users", so its second batch is never written.
    const text = [...l.slice(0, 701), "oops", ...l.slice(701)].join("\n");
    const c = capture({ stdin: text });
    expect(await main(["import", "--url", url, "-"], c.io)).toBe(1);
    expect(c.stderr()).toMatch(
      /^stowage import: stdin: line 702: not valid JSON: "oops"; 501 records were written before it \(in complete batches, each atomic\); nothing after\n$/,
    );
    expect(await statsOf(url)).toMatchObject({ namespaces: { cache: 1, users: 500 }, graphs: {} });
  });
});

describe("stowage migrate", () => {
  it("copies and verifies; refuses a non-empty target without --merge; --merge writes into it", async () => {
    const target = freshUrl();
    const first = capture();
    expect(await main(["migrate", "--from", sourceUrl, "--to", target, "--json"], first.io)).toBe(
      0,
    );
    const result = JSON.parse(first.stdout());
    expect(result).toMatchObject({
      ok: true,
      records: 1206,
      written: 1206,
      verified: { ok: true, namespaces: 2, graphs: 1, differences: [] },
    });

    const second = capture();
    expect(await main(["migrate", "--from", sourceUrl, "--to", target], second.io)).toBe(1);
    expect(second.stderr()).toMatch(
      /the target file:.* is not empty \(2 namespaces, 1 graph, 0 vector collections, 1,206 records\): pass --merge/,
    );

    const merged = capture();
    expect(
      await main(
        ["migrate", "--from", sourceUrl, "--to", target, "--merge", "--namespace", "cache"],
        merged.io,
      ),
    ).toBe(0);
    expect(merged.stdout()).toMatch(/^migrated 1 record \(1 key, 0 nodes, 0 edges, 0 vectors\)/);
    expect(merged.stdout()).toContain("not verified");
  });

  it("verification reports a difference in counts and in content", async () => {
    const a = freshUrl();
    const b = freshUrl();
    await withStore(a, (s) =>
      s.kv("n").setMany([
        { key: "k1", value: 1 },
        { key: "k2", value: 2 },
      ]),
    );
    await withStore(b, (s) =>
      s.kv("n").setMany([
        { key: "k1", value: 1 },
        { key: "k2", value: 3 },
      ]),
    );
    const result = await withStore(a, (sa) =>
      withStore(b, (sb) => verify(sa, sb, { namespaces: ["n"], graphs: [] })),
    );
    expect(result.ok).toBe(false);
    expect(result.differences).toEqual([
      {
        what: "namespace n: checksum",
        source: expect.stringMatching(/^[0-9a-f]{64}$/),
        target: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    await withStore(b, (s) => s.kv("n").delete("k2"));
    const counts = await withStore(a, (sa) =>
      withStore(b, (sb) => verify(sa, sb, { namespaces: ["n"], graphs: [] })),
    );
    expect(counts.differences).toEqual([
      { what: "namespace n: live keys", source: "2", target: "1" },
    ]);
  });

  it("an unreachable target: one line, exit 1, nothing written", async () => {
    const c = capture();
    expect(await main(["migrate", "--from", sourceUrl, "--to", "redis://127.0.0.1:1"], c.io)).toBe(
      1,
    );
    expect(c.stderr()).toMatch(
      /^stowage migrate: target redis:\/\/127\.0\.0\.1:1: .*; nothing was written\n$/,
    );
    writeFileSync(file("ok.jsonl"), exportText);
    const i = capture();
    expect(await main(["import", "--url", "redis://127.0.0.1:1", file("ok.jsonl")], i.io)).toBe(1);
    expect(i.stderr()).toMatch(/^stowage import: .*unavailable.*\n$/);
  });
});

describe("the command line", () => {
  it("refuses unknown options, missing arguments and a missing store, with exit code 2", async () => {
    const cases: [string[], RegExp][] = [
      [["stats", "--frob"], /^stowage stats: unknown option --frob\. Usage: stowage stats/],
      [["import", "--url", "memory:"], /^stowage import: missing <file>\|-/],
      [["stats"], /^stowage stats: no store given: pass --url <url> or set STOWAGE_URL/],
      [["migrate", "--from", "memory:"], /^stowage migrate: --to <url> is required/],
      [["export", "--url", "memory:", "extra"], /^stowage export: unexpected argument "extra"/],
      [["--frob"], /^stowage: unknown option "--frob"/],
      [
        ["export", "--url", sourceUrl, "-o", "/nonexistent-dir-for-stowage/x.jsonl"],
        /^stowage export: cannot write .*: no such directory \/nonexistent-dir-for-stowage/,
      ],
    ];
    for (const [args, message] of cases) {
      const c = capture();
      expect(await main(args, c.io), args.join(" ")).toBe(2);
      expect(c.stderr()).toMatch(message);
    }
  });

  it("reading commands refuse a file: URL naming no file instead of creating an empty database", async () => {
    for (const args of [["stats"], ["check"], ["export", "-o", file("never.jsonl")]]) {
      const c = capture();
      expect(await main([...args, "--url", `file:${file("typo.db")}`], c.io)).toBe(1);
      expect(c.stderr()).toMatch(/typo\.db: no such database file/);
    }
    const m = capture();
    expect(
      await main(["migrate", "--from", `file:${file("typo.db")}`, "--to", freshUrl()], m.io),
    ).toBe(1);
    expect(m.stderr()).toMatch(
      /^stowage migrate: source file:.*typo\.db: .*no such database file.*; nothing was written/,
    );
    expect(existsSync(file("typo.db"))).toBe(false);
    expect(existsSync(file("never.jsonl"))).toBe(false);
  });

  it("takes the store from STOWAGE_URL, and every command has --help", async () => {
    const c = capture({ env: { STOWAGE_URL: sourceUrl } });
    expect(await main(["stats", "--json"], c.io)).toBe(0);
    expect(JSON.parse(c.stdout()).totals.keys).toBe(1201);
    for (const command of ["demo", "check", "stats", "export", "import", "migrate"]) {
      const h = capture();
      expect(await main([command, "--help"], h.io)).toBe(0);
      expect(h.stdout()).toMatch(new RegExp(`^usage: stowage ${command}`));
    }
  });
});
