// The shared conformance kit against the memory driver: every driver instance opened by the kit
// shares one MemoryDatabase, so the multi-instance cases run too.
import { runConformance } from "@stowage/conformance";
import { createMemoryDriver, MemoryDatabase } from "../src/index.ts";

const database = new MemoryDatabase();

runConformance({
  name: "memory",
  open: () => createMemoryDriver({ database, sweepIntervalMs: 100 }),
});
