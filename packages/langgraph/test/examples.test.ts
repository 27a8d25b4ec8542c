// The README's example, as users run it: two separate node processes over one SQLite file.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const run = promisify(execFile);
const example = fileURLToPath(new URL("../examples/approval.ts", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "stowage-langgraph-example-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function node(...args: string[]): Promise<string> {
  // Node 22 before 22.18 runs .ts files only with the flag (later versions strip types by default).
  const strip = (process.features as { typescript?: unknown }).typescript
    ? []
    : ["--experimental-strip-types"];
  const { stdout } = await run(
    process.execPath,
    [...strip, "--conditions=@stowage/source", example, ...args],
    {
      cwd: path.dirname(example),
    },
  );
  return stdout;
}

it("pauses a graph in one process and resumes it in another from the same file", async () => {
  const file = path.join(dir, "approval.db");
  expect(await node("start", file)).toBe("paused before review: send the reply?\n");
  expect(await node("resume", file, "no")).toBe(
    'drafted a reply to "refund for order 42" → reviewer said no → reply discarded\n5 checkpoints in thread ticket-42\n',
  );
}, 60_000);
