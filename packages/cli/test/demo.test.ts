// The demo on a temp file: every section prints, a second run reuses the file, and the command
// line reports unknown commands.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main, runDemo } from "../src/index.ts";
import { capture } from "./helpers.ts";

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
    const demo = capture();
    expect(await main(["demo", "--url", "memory:"], demo.io)).toBe(0);
    expect(demo.stdout().split("\n")[0]).toBe("stowage demo · memory driver · memory:");
    const unknown = capture();
    expect(await main(["frobnicate"], unknown.io)).toBe(2);
    expect(unknown.stderr().trim()).toBe(
      'stowage: unknown command "frobnicate". Commands: demo, check, stats, export, import, migrate. Try stowage --help.',
    );
    const badOption = capture();
    expect(await main(["demo", "--nope"], badOption.io)).toBe(2);
    expect(badOption.stderr()).toMatch(
      /^stowage demo: unknown option --nope\. Usage: stowage demo/,
    );
    const help = capture();
    expect(await main(["--help"], help.io)).toBe(0);
    expect(help.stdout()).toContain("commands:");
  });

  it("reports a store it cannot open, with exit code 1", async () => {
    const run = capture();
    const code = await main(["demo", "--url", "file:/nonexistent-dir-for-stowage/x.db"], run.io);
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/stowage demo: libsql: cannot/);
  });
});
