// The registries (`<prefix>:namespaces`, `<prefix>:graphs`): which names may hold something, so
// that namespaces() / graphs() cost the number of names, not the keyspace. A registry is one key
// outside every name's hash tag (on a cluster, in a slot of its own), kept true by one rule:
//
//   a name whose data key exists (the namespace's index, the graph's node set) is registered.
//
// - Writes: a write script reports whether it found the name empty; such a write is followed by
//   the registration. A driver's first write to a name registers it in the same round trip (the
//   same pipeline on one node; on a cluster, sent together with the script).
// - Forgetting (clear, and names found empty by a listing): on a single node one script checks
//   emptiness and removes the name atomically. On a cluster the registry and the name live in
//   different slots, so no script can: the name is removed, then its data key checked again, and
//   registered again when a writer filled it meanwhile. A write racing a forget is therefore
//   registered either by its writer (which saw the name empty) or by the forgetter's re-check.
// - Listing filters by what is live (expired entries do not count), so a registered name that
//   holds nothing live is never listed.

import type { Connection } from "./connection.ts";
import { FORGET_IF_EMPTY, type LuaScript } from "./schema.ts";

export class Registry {
  readonly #conn: Connection;
  readonly #key: string;
  /** The key that exists exactly when the name holds data. */
  readonly #dataKey: (name: string) => string;
  readonly #known = new Set<string>();

  constructor(conn: Connection, key: string, dataKey: (name: string) => string) {
    this.#conn = conn;
    this.#key = key;
    this.#dataKey = dataKey;
  }

  /**
   * Runs a write script (whose reply says, through `wasEmpty`, whether the name was empty) and
   * keeps the registry true.
   */
  async write<T>(
    name: string,
    script: LuaScript,
    keys: readonly (string | Buffer)[],
    args: readonly (string | Buffer | number)[],
    wasEmpty: (reply: T) => boolean,
  ): Promise<T> {
    const conn = this.#conn;
    if (!this.#known.has(name)) {
      let reply: T;
      if (conn.cluster) {
        [reply] = (await Promise.all([
          conn.write(script, keys, args),
          conn.run((c) => c.zadd(this.#key, 0, name)),
        ])) as [T, unknown];
      } else {
        reply = (await conn.write(script, keys, args, (p) => p.zadd(this.#key, 0, name))) as T;
      }
      if (this.#known.size >= 10_000) this.#known.clear();
      this.#known.add(name);
      return reply;
    }
    const reply = (await conn.write(script, keys, args)) as T;
    if (wasEmpty(reply)) await conn.run((c) => c.zadd(this.#key, 0, name));
    return reply;
  }

  /** Every registered name. */
  names(): Promise<string[]> {
    return this.#conn.run((c) => c.zrange(this.#key, "0", "-1"));
  }

  /** Forgets those of `names` that hold nothing (see the header for how, on a cluster). */
  async forgetIfEmpty(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    for (const name of names) this.#known.delete(name);
    const conn = this.#conn;
    if (!conn.cluster) {
      await conn.pipeline((_, evalsha) => {
        for (const name of names)
          evalsha(FORGET_IF_EMPTY, [this.#key, this.#dataKey(name)], [name]);
      });
      return;
    }
    const before = await conn.fanOut(names.map((name) => ["EXISTS", this.#dataKey(name)] as const));
    const empty = names.filter((_, i) => before[i] === 0);
    if (empty.length === 0) return;
    await conn.run((c) => c.zrem(this.#key, ...empty));
    const after = await conn.fanOut(empty.map((name) => ["EXISTS", this.#dataKey(name)] as const));
    const filled = empty.filter((_, i) => after[i] !== 0);
    if (filled.length > 0)
      await conn.run((c) => c.zadd(this.#key, ...filled.flatMap((n) => [0, n])));
  }
}
