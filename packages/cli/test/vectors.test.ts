// Vector collections through the CLI in-process (libSQL files, a named memory store): export,
// import and migrate counts, stats and check, migrate --verify catching every kind of tampered
// target, and bad vector lines refused with their line number before anything is written.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openStore, type Store } from "@stowage/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBundledDrivers } from "../src/drivers.ts";
import { main } from "../src/index.ts";
import { verify } from "../src/verify.ts";
import { capture } from "./helpers.ts";
import { bits, fixture, load, nextUlp, type VectorFixture } from "./vector-fixtures.ts";

const dir = mkdtempSync(path.join(tmpdir(), "stowage-cli-vectors-"));
const file = (name: string) => path.join(dir, name);
let counter = 0;
const freshUrl = () => `file:${file(`v${++counter}.db`)}`;
const sourceUrl = `file:${file("source.db")}`;
const docs = fixture("docs", 8, "cosine", 1200, 7);
const tiny = fixture("tiny", 3, "l2", 5, 11);
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

async function statsOf(url: string): Promise<Record<string, unknown>> {
  const c = capture();
  expect(await main(["stats", "--json", "--url", url], c.io)).toBe(0);
  return JSON.parse(c.stdout());
}

/** Every vector of the fixture read back from a store: same ids, same float32 bits, same metadata. */
async function expectSameVectors(url: string, f: VectorFixture): Promise<void> {
  await withStore(url, async (s) => {
    const c = s.vectors(f.name, { dims: f.dims, metric: f.metric });
    expect(await c.count()).toBe(f.items.length);
    const got = await c.get(f.items.map((i) => i.id));
    expect(got.map((r) => r && [r.id, bits(r.vector), r.metadata])).toEqual(
      f.items.map((i) => [i.id, bits(i.vector), i.metadata]),
    );
  });
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
  await withStore(sourceUrl, async (s) => {
    await s.kv("notes").set("n1", { x: 1 });
    await s.graph("kg").upsertEdges([{ from: "a", type: "t", to: "b" }]);
    await load(s, docs);
    await load(s, tiny);
  });
  const c = capture();
  expect(await main(["export", "--url", sourceUrl], c.io)).toBe(0);
  exportText = c.stdout();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("vectors in export, import, stats and check", () => {
  it("export counts vectors (the end record too), and import brings back every bit", async () => {
    const lines = exportText
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ kind: "header", version: 2 });
    expect(lines.filter((l) => l.kind === "vcollection")).toEqual([
      { kind: "vcollection", name: "docs", dims: 8, metric: "cosine" },
      { kind: "vcollection", name: "tiny", dims: 3, metric: "l2" },
    ]);
    expect(lines.filter((l) => l.kind === "vector")).toHaveLength(1207);
    // 1 key, 2 nodes, 1 edge, 2 collection definitions, 1,207 vectors.
    expect(lines.at(-1)).toEqual({ kind: "end", records: 1213 });

    const again = capture();
    expect(await main(["export", "--url", sourceUrl, "-o", file("all.jsonl")], again.io)).toBe(0);
    expect(again.stdout()).toMatch(
      /^exported 1,213 records \(1 key, 2 nodes, 1 edge, 1,207 vectors in 2 collections\) from file:/,
    );

    const target = freshUrl();
    const imported = capture();
    expect(await main(["import", "--url", target, "--json", file("all.jsonl")], imported.io)).toBe(
      0,
    );
    expect(JSON.parse(imported.stdout())).toMatchObject({
      ok: true,
      records: 1213,
      kv: 1,
      nodes: 2,
      edges: 1,
      vectorCollections: 2,
      vectors: 1207,
      written: 1213,
    });
    await expectSameVectors(target, docs);
    await expectSameVectors(target, tiny);
    expect(await statsOf(target)).toEqual(await statsOf(sourceUrl));
  });

  it("stats lists each collection with dims, metric and count, in text and --json", async () => {
    const text = capture();
    expect(await main(["stats", "--url", sourceUrl], text.io)).toBe(0);
    expect(text.stdout()).toMatch(/^ {2}vectors +docs +1,201 vectors \(dims 8, cosine\)$/m);
    expect(text.stdout()).toMatch(/^ {2}vectors +tiny +6 vectors \(dims 3, l2\)$/m);
    expect(text.stdout()).toMatch(
      /^total: 1 namespace with 1 key, 1 graph with 2 nodes and 1 edge, 2 vector collections with 1,207 vectors \(1,213 records\)$/m,
    );
    expect(await statsOf(sourceUrl)).toEqual({
      namespaces: { notes: 1 },
      graphs: { kg: { nodes: 2, edges: 1 } },
      vectors: {
        docs: { dims: 8, metric: "cosine", count: 1201 },
        tiny: { dims: 3, metric: "l2", count: 6 },
      },
      totals: {
        namespaces: 1,
        keys: 1,
        graphs: 1,
        nodes: 2,
        edges: 1,
        vectorCollections: 2,
        vectors: 1207,
      },
    });
  });

  it("export --vectors selects collections; --namespace alone leaves vectors out", async () => {
    const kinds = async (...args: string[]) => {
      const c = capture();
      expect(await main(["export", "--url", sourceUrl, ...args], c.io)).toBe(0);
      return c
        .stdout()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).kind);
    };
    expect(await kinds("--vectors", "tiny")).toEqual([
      "header",
      "vcollection",
      ...Array(6).fill("vector"),
      "end",
    ]);
    expect(await kinds("--namespace", "notes")).toEqual(["header", "kv", "end"]);
    const both = await kinds("--graph", "kg", "--vectors", "tiny");
    expect(both.filter((k) => k === "vector")).toHaveLength(6);
    expect(both.filter((k) => k === "node")).toHaveLength(2);
  });

  it("the progress line names the vector collection and counts its vectors", async () => {
    const tty = capture({ tty: true });
    expect(
      await main(
        ["export", "--url", sourceUrl, "--vectors", "docs", "-o", file("tty.jsonl")],
        tty.io,
      ),
    ).toBe(0);
    // 1,202 = the collection's definition and its 1,201 vectors.
    expect(tty.stderr()).toMatch(
      /\r\x1b\[2Kexport · vectors docs · \[[#-]+\] \d+% · [\d,]+\/1,202 records · [\d,]+ rec\/s/,
    );
  });

  it("check shows the vector capabilities", async () => {
    const text = capture();
    expect(await main(["check", "--url", sourceUrl], text.io)).toBe(0);
    expect(text.stdout()).toMatch(/^ {2}capabilities +kv .*\bvectors\b/m);
    expect(text.stdout()).toMatch(
      /^ {2}vectors +yes: exact search only \(vectors: true, approximateVectors: false\)$/m,
    );
    const json = capture();
    expect(await main(["check", "--url", sourceUrl, "--json"], json.io)).toBe(0);
    expect(JSON.parse(json.stdout()).capabilities).toMatchObject({
      vectors: true,
      approximateVectors: false,
    });
  });
});

describe("stowage migrate with vectors", () => {
  it("copies and verifies every collection; summaries count vectors", async () => {
    const target = freshUrl();
    const json = capture();
    expect(await main(["migrate", "--from", sourceUrl, "--to", target, "--json"], json.io)).toBe(0);
    expect(JSON.parse(json.stdout())).toMatchObject({
      ok: true,
      records: 1213,
      vectorCollections: 2,
      vectors: 1207,
      written: 1213,
      verified: { ok: true, namespaces: 1, graphs: 1, vectorCollections: 2, differences: [] },
    });
    await expectSameVectors(target, docs);

    const text = capture();
    expect(await main(["migrate", "--from", sourceUrl, "--to", freshUrl()], text.io)).toBe(0);
    expect(text.stdout()).toMatch(
      /^migrated 1,213 records \(1 key, 2 nodes, 1 edge, 1,207 vectors in 2 collections\) from file:/,
    );
    expect(text.stdout()).toContain(
      "1 namespace, 1 graph and 2 vector collections match (counts and content checksums)",
    );

    // A target holding only a vector collection is not empty.
    const refused = capture();
    expect(await main(["migrate", "--from", sourceUrl, "--to", target], refused.io)).toBe(1);
    expect(refused.stderr()).toMatch(/is not empty \(1 namespace, 1 graph, 2 vector collections, /);
  });

  it("memory → libSQL: a named memory store migrated by the CLI, every bit verified", async () => {
    const target = freshUrl();
    await withStore("memory://cli-vectors-source", async (memory) => {
      await load(memory, tiny);
      await load(memory, docs);
      const c = capture();
      expect(
        await main(["migrate", "--from", "memory://cli-vectors-source", "--to", target], c.io),
      ).toBe(0);
      expect(c.stdout()).toContain(
        "0 namespaces, 0 graphs and 2 vector collections match (counts and content checksums)",
      );
    });
    await expectSameVectors(target, docs);
    await expectSameVectors(target, tiny);
  });
});

describe("migrate --verify catches a tampered target, naming the collection", () => {
  /** A copy of the source's "docs", changed by `tamper`, compared with the source. */
  async function differences(tamper: (target: Store) => Promise<void>, copy = true) {
    const target = freshUrl();
    if (copy) {
      const c = capture();
      expect(await main(["migrate", "--from", sourceUrl, "--to", target], c.io), c.stderr()).toBe(
        0,
      );
    }
    await withStore(target, tamper);
    const result = await withStore(sourceUrl, (a) =>
      withStore(target, (b) => verify(a, b, { namespaces: [], graphs: [], vectors: ["docs"] })),
    );
    expect(result.ok).toBe(result.differences.length === 0);
    expect(result.vectorCollections).toBe(1);
    return result.differences;
  }
  const docsOf = (s: Store) => s.vectors("docs", { dims: 8, metric: "cosine" });
  const CHECKSUM = {
    what: "vector collection docs: checksum of ids, float32 bits and metadata",
    source: expect.stringMatching(/^[0-9a-f]{64}$/),
    target: expect.stringMatching(/^[0-9a-f]{64}$/),
  };

  it("an untouched copy verifies", async () => {
    expect(await differences(async () => {})).toEqual([]);
  });

  it("one vector component changed by one ulp", async () => {
    const found = await differences(async (s) => {
      const [item] = await docsOf(s).get(["v00500"]);
      if (!item) throw new Error("v00500 missing");
      const vector = Float32Array.from(item.vector);
      vector[3] = nextUlp(vector[3] as number);
      expect(bits(vector)).not.toBe(bits(item.vector));
      await docsOf(s).upsert([{ id: item.id, vector, metadata: item.metadata }]);
    });
    expect(found).toEqual([CHECKSUM]);
  });

  it("-0 written as 0 (equal as numbers, not as bits)", async () => {
    const found = await differences(async (s) => {
      const [item] = await docsOf(s).get(["edge-values"]);
      if (!item) throw new Error("edge-values missing");
      expect(Object.is(item.vector[0], -0)).toBe(true);
      const vector = Float32Array.from(item.vector);
      vector[0] = 0;
      await docsOf(s).upsert([{ id: item.id, vector, metadata: item.metadata }]);
    });
    expect(found).toEqual([CHECKSUM]);
  });

  it("a metadata change", async () => {
    const found = await differences(async (s) => {
      const [item] = await docsOf(s).get(["日本"]);
      if (!item) throw new Error("日本 missing");
      await docsOf(s).upsert([
        { id: item.id, vector: item.vector, metadata: { ...item.metadata, a: "changed" } },
      ]);
    });
    expect(found).toEqual([CHECKSUM]);
  });

  it("a missing vector", async () => {
    const found = await differences(async (s) => {
      expect(await docsOf(s).delete(["é"])).toBe(1);
    });
    expect(found).toEqual([
      { what: "vector collection docs: vectors", source: "1201", target: "1200" },
    ]);
  });

  it("a different metric, and a missing collection", async () => {
    const metric = await differences((s) => load(s, { ...docs, metric: "dot" }), false);
    expect(metric).toEqual([
      {
        what: "vector collection docs: dims and metric",
        source: "dims 8, cosine",
        target: "dims 8, dot",
      },
    ]);
    const missing = await differences(async () => {}, false);
    expect(missing).toEqual([
      { what: "vector collection docs: presence", source: "dims 8, cosine", target: "missing" },
    ]);
  });

  it("the command exits 1 and names the collection", async () => {
    const target = freshUrl();
    expect(await main(["migrate", "--from", sourceUrl, "--to", target], capture().io)).toBe(0);
    await withStore(target, (s) =>
      docsOf(s).upsert([{ id: "extra", vector: new Float32Array(8).fill(1) }]),
    );
    const c = capture();
    const code = await main(
      ["migrate", "--from", sourceUrl, "--to", target, "--merge", "--verify", "--vectors", "docs"],
      c.io,
    );
    expect(code).toBe(1);
    expect(c.stdout()).toMatch(
      /^migrated 1,202 records \(0 keys, 0 nodes, 0 edges, 1,201 vectors in 1 collection\)/,
    );
    expect(c.stderr()).toBe(
      "stowage migrate: verification failed: vector collection docs: vectors differ: source 1201, target 1202\n",
    );
  });
});

describe("stowage import: bad vector lines write nothing and say which line", () => {
  const HEADER = '{"kind":"header","format":"stowage-export","version":2,"driver":"test"}';
  const KV = '{"kind":"kv","ns":"n","key":"k","value":"1","expiresAt":null}';
  const collection = (metric = "cosine", dims = 3) =>
    JSON.stringify({ kind: "vcollection", name: "c", dims, metric });
  const base64 = (components: number[]) =>
    Buffer.from(new Float32Array(components).buffer).toString("base64");
  const vector = (id: string, encoded: string) =>
    JSON.stringify({ kind: "vector", collection: "c", id, vector: encoded, metadata: "{}" });
  /** header, kv, vcollection, vector a, the line under test (line 5), end. */
  const exportFile = (name: string, fifth: string, third = collection(), header = HEADER) => {
    const lines = [header, KV, third, vector("a", base64([1, 2, 3])), fifth];
    writeFileSync(
      file(name),
      `${[...lines, JSON.stringify({ kind: "end", records: 4 })].join("\n")}\n`,
    );
    return file(name);
  };

  async function refused(input: string, message: RegExp, url = freshUrl()) {
    const c = capture();
    expect(await main(["import", "--url", url, input], c.io)).toBe(1);
    expect(c.stderr().trim().split("\n")).toHaveLength(1);
    expect(c.stderr()).toMatch(message);
    expect(c.stderr()).toMatch(/; nothing was written\n$/);
    return url;
  }

  it("a good file imports (the cases below change one line of it)", async () => {
    const url = freshUrl();
    const c = capture();
    expect(
      await main(
        ["import", "--url", url, exportFile("good.jsonl", vector("b", base64([3, 2, 1])))],
        c.io,
      ),
    ).toBe(0);
    expect((await statsOf(url)).vectors).toEqual({ c: { dims: 3, metric: "cosine", count: 2 } });
  });

  it("wrong dims, NaN, Infinity, an all-zero cosine vector, bad base64", async () => {
    const cases: [string, string, RegExp][] = [
      [
        "dims.jsonl",
        base64([1, 2]),
        /line 5: vector "b" of collection "c" has 2 dimensions, the collection "c" has 3 dimensions/,
      ],
      ["long.jsonl", base64([1, 2, 3, 4]), /line 5: vector "b" .* has 4 dimensions/],
      [
        "nan.jsonl",
        base64([1, Number.NaN, 3]),
        /line 5: vector "b" of collection "c"\[1\] is NaN: components must be finite/,
      ],
      [
        "inf.jsonl",
        base64([Number.POSITIVE_INFINITY, 1, 3]),
        /line 5: vector "b" of collection "c"\[0\] is Infinity/,
      ],
      ["zero.jsonl", base64([0, 0, 0]), /line 5: vector "b" of collection "c" is all zeros/],
      ["b64.jsonl", "AACAPwAAAEAAAEBA!", /line 5: vector "b" of collection "c" must be base64/],
      [
        "odd.jsonl",
        Buffer.from([1, 2, 3, 4, 5]).toString("base64"),
        /line 5: .* has 5 bytes \(not whole float32 values\)/,
      ],
    ];
    for (const [name, encoded, message] of cases) {
      const url = await refused(exportFile(name, vector("b", encoded)), message);
      expect(await statsOf(url), name).toEqual(EMPTY);
    }
  });

  it("an unknown metric, a vector before its collection, a collection redefined, vectors in a version 1 file", async () => {
    await refused(
      exportFile("metric.jsonl", vector("b", base64([1, 1, 1])), collection("manhattan")),
      /line 3: metric must be "cosine", "l2" or "dot", got "manhattan"/,
    );
    await refused(
      exportFile(
        "before.jsonl",
        JSON.stringify({
          kind: "vector",
          collection: "d",
          id: "x",
          vector: base64([1, 1, 1]),
          metadata: "{}",
        }),
      ),
      /line 5: vector "x" of collection "d" comes before that collection's vcollection record/,
    );
    await refused(
      exportFile("twice.jsonl", collection("cosine", 4)),
      /line 5: vector collection "c" is defined again with dims 4 and metric cosine \(before: dims 3, metric cosine\)/,
    );
    await refused(
      exportFile(
        "v1.jsonl",
        vector("b", base64([1, 1, 1])),
        collection(),
        HEADER.replace('"version":2', '"version":1'),
      ),
      /line 3: a vcollection record in an export of format version 1 \(vectors came with version 2\)/,
    );
  });

  it("a collection the target holds with another metric is refused up front", async () => {
    const url = freshUrl();
    await withStore(url, (s) => s.vectors("c", { dims: 3, metric: "l2" }).count());
    await refused(
      exportFile("clash.jsonl", vector("b", base64([1, 1, 1]))),
      /line 3: vector collection "c" \(dims 3, cosine\) exists in the target with dims 3 and metric l2/,
      url,
    );
    expect(await statsOf(url)).toEqual({
      ...EMPTY,
      vectors: { c: { dims: 3, metric: "l2", count: 0 } },
      totals: { ...EMPTY.totals, vectorCollections: 1 },
    });
  });

  it("stdin: stops at the bad vector line before writing its batch", async () => {
    const url = freshUrl();
    const text = [
      HEADER,
      collection(),
      vector("a", base64([1, 2, 3])),
      vector("b", base64([1, Number.NaN, 3])),
      JSON.stringify({ kind: "end", records: 3 }),
    ].join("\n");
    const c = capture({ stdin: text });
    expect(await main(["import", "--url", url, "-"], c.io)).toBe(1);
    expect(c.stderr()).toMatch(
      /^stowage import: stdin: line 4: vector "b" of collection "c"\[1\] is NaN: .*; 1 record was written before it/,
    );
    // The definition was written (it comes first, alone); vector "a" shared the bad line's batch.
    expect((await statsOf(url)).vectors).toEqual({ c: { dims: 3, metric: "cosine", count: 0 } });
  });
});
