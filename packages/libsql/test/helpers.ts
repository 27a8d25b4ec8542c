// Temp database files for tests: one fresh directory per call, removed after the run.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A `file:` URL for a new database in a fresh temp directory. */
export function tempDbUrl(name = "test.db"): { url: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "stowage-libsql-"));
  dirs.push(dir);
  const file = path.join(dir, name);
  return { url: `file:${file}`, file };
}
