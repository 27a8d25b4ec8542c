import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { cache } from "../examples/cache.ts";

const dir = mkdtempSync(path.join(tmpdir(), "stowage-keyv-example-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("the README's example runs and prints what it promises", async () => {
  const lines: string[] = [];
  await cache(path.join(dir, "cache.db"), (line) => lines.push(line));
  expect(lines).toEqual([
    'users:ada = {"name":"Ada Lovelace","born":1815}',
    "pages:/home = <h1>hello</h1>",
    "pages:/home after its ttl = undefined",
    "after pages.clear(): users:ada is kept",
    'stowage namespace "cache" holds ["users:ada"]',
  ]);
});
