// Runnable: `node --conditions=@stowage/source packages/memory/examples/quickstart.ts` from the
// repo root (or with the published packages: `node quickstart.ts`). The memory driver's test runs it too.
import { ConflictError, openStore } from "@stowage/core";
import { createMemoryDriver } from "@stowage/memory";

export async function quickstart(log: (line: string) => void = console.log): Promise<void> {
  await using store = await openStore(createMemoryDriver());

  const sessions = store.kv<{ user: string; turns: number; seen: Set<string> }>("sessions");
  await sessions.set("s1", { user: "ada", turns: 0, seen: new Set() }, { ttlMs: 60_000 });
  const updated = await sessions.update("s1", (s) => ({ ...s!, turns: s!.turns + 1, seen: s!.seen.add("hello") }));
  log(`session s1: ${updated.value.turns} turn(s), version ${updated.version}, seen ${[...updated.value.seen]}`);
  try {
    await sessions.set("s1", { user: "eve", turns: 0, seen: new Set() }, { ifVersion: 1 });
  } catch (error) {
    if (error instanceof ConflictError) log(`stale write refused: ${error.message}`);
  }

  const kg = store.graph("kg");
  await kg.upsertNodes([
    { id: "ada", type: "person", props: { name: "Ada Lovelace" } },
    { id: "babbage", type: "person", props: { name: "Charles Babbage" } },
    { id: "engine", type: "machine", props: { built: false } },
  ]);
  await kg.upsertEdges([
    { from: "ada", type: "worked_with", to: "babbage" },
    { from: "babbage", type: "designed", to: "engine" },
    { from: "ada", type: "wrote_about", to: "engine", props: { year: 1843 } },
  ]);
  const reached = await kg.traverse("ada", { maxDepth: 2 });
  log(`from ada within 2 hops: ${reached.nodes.map((n) => `${n.id}@${n.depth}`).join(", ")}`);
  const paths = await kg.findPaths("ada", "engine", { maxDepth: 3 });
  log(`paths ada → engine: ${paths.map((p) => p.nodes.join(" → ")).join(" | ")}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await quickstart();
