// The demo on a temp file: every section prints, a second run reuses the file, and the command
// line reports unknown commands.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main, runDemo } from "../src/index.ts";

const dir = mkdtempSync(path.join(tmpdir(), "stowage-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("stowage demo", () => {
  it("prints every section, and a second run reuses the database", async () => {
    const url = `file:${path.join(dir, "stowage.db")}`;
    const first: string[] = [];
    const summary = await runDemo({ url, write: (l) => first.push(l), ttlMs: 200 });
    const text = first.join("\n");
    expect(summary).toMatchObject({
      url,
      driver: "libsql",
      reused: false,
      run: 1,
      nodes: 13,
      edges: 14,
    });
    expect(text).toContain("new store");
    for (const section of [
      "1. Knowledge graph",
      "2. Traversal",
      "3. Path search",
      "4. Session records and compare-and-set",
      "5. Expiring record",
    ]) {
      expect(text).toContain(section);
    }
    expect(text).toMatch(/depth 2 {2}cambridge/);
    expect(text).toContain("shortest (4 hops): hopper (Grace Hopper) -[worked_with]-> aiken");
    expect(text).toContain("refused: ConflictError");
    expect(text).toContain("expired: no read returns it");

    const second: string[] = [];
    const again = await runDemo({ url, write: (l) => second.push(l), ttlMs: 200 });
    expect(again).toMatchObject({ reused: true, run: 2, nodes: 13, edges: 14 });
    expect(second.join("\n")).toContain(`reusing ${url}: 13 nodes and 14 edges already there`);
    expect(second.join("\n")).toContain("this is run #2");
    expect(second.join("\n")).toMatch(/visits 2, pages \/ \/run\/1 \/run\/2/);
  });

  it("runs through main() with --url, and rejects unknown commands and options", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await main(["demo", "--url", "memory:"], io)).toBe(0);
    expect(out[0]).toBe("stowage demo · memory driver · memory:");
    expect(await main(["frobnicate"], io)).toBe(2);
    expect(err.at(-1)).toBe(
      'stowage: unknown command "frobnicate". Commands: demo. Try stowage --help.',
    );
    expect(await main(["demo", "--nope"], io)).toBe(2);
    expect(await main(["--help"], io)).toBe(0);
    expect(out.at(-1)).toContain("commands:");
  });

  it("reports a store it cannot open, with exit code 1", async () => {
    const err: string[] = [];
    const code = await main(["demo", "--url", "file:/nonexistent-dir-for-stowage/x.db"], {
      out: () => {},
      err: (l) => err.push(l),
    });
    expect(code).toBe(1);
    expect(err.join("\n")).toMatch(/stowage demo: libsql: cannot/);
  });
});
