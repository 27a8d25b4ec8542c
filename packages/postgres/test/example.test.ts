// The README's example runs as written.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";

const schema = uniqueSchema("example");
afterAll(() => dropSchema(schema));

it("runs examples/quickstart.ts", async () => {
  const script = fileURLToPath(new URL("../examples/quickstart.ts", import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--conditions=@stowage/source", script],
    {
      env: { ...process.env, STOWAGE_POSTGRES_URL: postgresUrl(), EXAMPLE_SCHEMA: schema },
    },
  );
  expect(stdout).toBe(
    "2\n[ 's1' ]\n[ 'ada@0', 'babbage@1', 'engine@2' ]\n[ 'engine', 'babbage', 'ada' ]\n",
  );
});
