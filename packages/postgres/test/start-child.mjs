// One of several processes opening the same fresh schema at once (see concurrency.test.ts).
// Runs the driver from its TypeScript sources: node --conditions=@stowage/source start-child.mjs
import { createInterface } from "node:readline";

const [url, schema] = process.argv.slice(2);
const { createPostgresDriver } = await import("../src/index.ts");
const driver = createPostgresDriver({ url, schema, max: 1, sweepIntervalMs: 0 });
process.stdout.write("ready\n");
// Wait for the parent's "go", sent to every child together.
for await (const line of createInterface({ input: process.stdin })) if (line === "go") break;
try {
  // The first use creates the schema.
  const result = await driver.kv.setMany(
    "start",
    [{ key: `pid-${process.pid}`, value: "1", expiresAt: null }],
    Date.now(),
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await driver.close();
}
