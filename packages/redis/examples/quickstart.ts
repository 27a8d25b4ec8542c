// node --conditions=@stowage/source packages/redis/examples/quickstart.ts   (Redis on localhost)
import { ConflictError, openStore } from "@stowage/core";

await using store = await openStore(process.env.STOWAGE_REDIS_URL ?? "redis://127.0.0.1:6379", {
  driverOptions: { prefix: "example" },   // every key starts with "example:"
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

await sessions.clear();
await kg.clear();
