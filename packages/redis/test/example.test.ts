// The README's example runs as written.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { testRedisUrl } from "./db.ts";

it("runs examples/quickstart.ts", async () => {
  const script = fileURLToPath(new URL("../examples/quickstart.ts", import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--conditions=@stowage/source", script],
    {
      env: { ...process.env, STOWAGE_REDIS_URL: testRedisUrl() },
    },
  );
  expect(stdout).toBe("2\n[ 's1' ]\n[ 'ada@0', 'babbage@1', 'engine@2' ]\n");
});
