// Runnable: Keyv over stowage on an SQLite file (any stowage URL works: postgres://, redis://, memory:).
//   node --conditions=@stowage/source packages/keyv/examples/cache.ts ./cache.db
// (With the published packages: `node cache.ts ./cache.db`.) This package's tests run it.
import { openStore } from "@stowage/core";
import { KeyvStowage } from "@stowage/keyv";
import Keyv from "keyv";

export async function cache(file: string, log: (line: string) => void = console.log): Promise<void> {
  await using store = await openStore(`file:${file}`);

  // Two Keyv instances, two Keyv namespaces, one stowage namespace ("cache"): one adapter each.
  const users = new Keyv({ store: new KeyvStowage(store, "cache"), namespace: "users" });
  const pages = new Keyv({ store: new KeyvStowage(store, "cache"), namespace: "pages" });

  await users.set("ada", { name: "Ada Lovelace", born: 1815 });
  await pages.set("/home", "<h1>hello</h1>", 50); // ttl in ms, as Keyv counts it
  log(`users:ada = ${JSON.stringify(await users.get("ada"))}`);
  log(`pages:/home = ${await pages.get("/home")}`);

  await new Promise((resolve) => setTimeout(resolve, 80));
  log(`pages:/home after its ttl = ${await pages.get("/home")}`);

  await pages.set("/about", "<h1>about</h1>");
  await pages.clear(); // this Keyv namespace only
  log(`after pages.clear(): users:ada is ${(await users.has("ada")) ? "kept" : "gone"}`);

  // The stored records are plain stowage entries: any stowage tool sees them.
  const keys = (await store.kv("cache").list()).items;
  log(`stowage namespace "cache" holds ${JSON.stringify(keys)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await cache(process.argv[2] ?? "./cache.db");
