// node --conditions=@stowage/source packages/postgres/examples/quickstart.ts   (PostgreSQL on localhost)
import { ConflictError, openStore } from "@stowage/core";

await using store = await openStore(process.env.STOWAGE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", {
  driverOptions: { schema: process.env.EXAMPLE_SCHEMA ?? "stowage" }, // created on first use
});

const sessions = store.kv<{ user: string; turns: number }>("sessions");
await sessions.set("s1", { user: "ada", turns: 0 }, { ttlMs: 60_000 });
const updated = await sessions.update("s1", (s) => ({ ...s!, turns: s!.turns + 1 }));
console.log(updated.version); // 2
await sessions.set("s1", { user: "ada", turns: 9 }, { ifVersion: 1 }).catch((e) => {
  if (!(e instanceof ConflictError)) throw e; // version 1 is gone: nothing written
});
console.log((await sessions.list({ prefix: "s" })).items); // [ 's1' ]

const kg = store.graph("kg");
await kg.upsertEdges([
  { from: "ada", type: "worked_with", to: "babbage" },
  { from: "babbage", type: "designed", to: "engine" },
]);
const reached = await kg.traverse("ada", { maxDepth: 2 });
console.log(reached.nodes.map((n) => `${n.id}@${n.depth}`)); // [ 'ada@0', 'babbage@1', 'engine@2' ]
const path = await kg.shortestPath("engine", "ada", { maxDepth: 3, direction: "both" });
console.log(path?.nodes); // [ 'engine', 'babbage', 'ada' ]
