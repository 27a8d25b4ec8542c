// KV part: one string per entry, a lex-ordered index and an expiry index per namespace.
// Writes and deletes are one Lua script per batch; reads are MGET; list and count read the
// namespace's indexes only.

import type { BatchResult, EncodedEntry, KvDriver, KvListItem, KvWrite } from "@stowage/core";
import type { Connection } from "./connection.ts";
import { Registry } from "./registry.ts";
import {
  exclusive,
  inclusive,
  KV_COUNT,
  KV_DELETE,
  KV_LIST,
  KV_SET,
  KV_SET_ONE,
  type KvKeys,
  type Layout,
  prefixEnd,
} from "./schema.ts";

/** Clearing removes this many keys per round trip (each step is atomic, the whole clear is not). */
const CLEAR_BATCH = 1_000;

/** Parses "<version>:<expiresAt>:<value>"; undefined when missing or expired at `now`. */
function parseEntry(raw: string | null | undefined, now: number): EncodedEntry | undefined {
  if (raw === null || raw === undefined) return undefined;
  const first = raw.indexOf(":");
  const second = raw.indexOf(":", first + 1);
  const expires = raw.slice(first + 1, second);
  const expiresAt = expires === "" ? null : Number(expires);
  if (expiresAt !== null && expiresAt <= now) return undefined;
  return { version: Number(raw.slice(0, first)), expiresAt, value: raw.slice(second + 1) };
}

type BatchReply = [ok: number, items: number[], wasEmpty?: number];

function batchResult<T>(reply: unknown, map: (value: number) => T): BatchResult<T> {
  const [ok, items] = reply as BatchReply;
  return ok === 1 ? { ok: true, results: items.map(map) } : { ok: false, conflicts: items };
}

/** ZRANGEBYLEX bounds of the keys that start with `prefix` and come after `after`. */
function range(prefix: string, after: string | undefined): [string | Buffer, string | Buffer] {
  let min: string | Buffer = prefix === "" ? "-" : inclusive(prefix);
  if (after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(prefix)) >= 0)
    min = exclusive(after);
  const max = prefix === "" ? "+" : exclusive(prefixEnd(prefix));
  return [min, max];
}

export function createRedisKv(conn: Connection, layout: Layout): KvDriver {
  const registry = new Registry(conn, layout.namespaces, (ns) => layout.kv(ns).index);
  const entryKeys = (keys: KvKeys, userKeys: readonly string[]) =>
    userKeys.map((k) => keys.entry + k);

  async function getEntries(
    keys: KvKeys,
    userKeys: readonly string[],
    now: number,
  ): Promise<(EncodedEntry | undefined)[]> {
    conn.assertOpen();
    if (userKeys.length === 0) return [];
    if (userKeys.length === 1) {
      const raw = await conn.run((c) => c.get(keys.entry + userKeys[0]));
      return [parseEntry(raw, now)];
    }
    const raw = await conn.run((c) => c.mget(entryKeys(keys, userKeys)));
    return raw.map((r) => parseEntry(r, now));
  }

  async function listKeys(
    keys: KvKeys,
    min: string | Buffer,
    max: string | Buffer,
    limit: number,
    now: number,
  ): Promise<string[]> {
    const joined = (await conn.script(
      KV_LIST,
      [keys.index, keys.expiry],
      [min, max, limit, now],
    )) as string;
    return joined === "" ? [] : joined.split("\u0000");
  }

  return {
    getMany(ns, userKeys, now) {
      return getEntries(layout.kv(ns), userKeys, now);
    },

    async setMany(ns, writes, now) {
      const keys = layout.kv(ns);
      const names: string[] = [keys.index, keys.expiry];
      let args: (string | number)[];
      const condition = (w: KvWrite) =>
        w.ifVersion !== undefined ? String(w.ifVersion) : w.ifAbsent ? "0" : "";
      if (writes.length === 1) {
        const w = writes[0] as KvWrite;
        names.push(keys.entry + w.key);
        const expires = w.expiresAt === null ? "" : String(w.expiresAt);
        args = [now, w.key, condition(w), expires, w.value];
      } else {
        // Per write the entry key and "<expiresAt>:<value>" (and a condition only when the batch
        // has some): as few strings to encode, send and parse as a plain MSET.
        const conditional = writes.some((w) => w.ifVersion !== undefined || w.ifAbsent);
        args = [now, keys.entryBytes, conditional ? "c" : ""];
        for (const w of writes) {
          names.push(keys.entry + w.key);
          if (conditional) args.push(condition(w));
          args.push(w.expiresAt === null ? `:${w.value}` : `${w.expiresAt}:${w.value}`);
        }
      }
      const reply = await registry.write<BatchReply>(
        ns,
        writes.length === 1 ? KV_SET_ONE : KV_SET,
        names,
        args,
        (r) => r[2] === 1,
      );
      return batchResult(reply, (v) => v);
    },

    async deleteMany(ns, deletes, now) {
      const keys = layout.kv(ns);
      const names: string[] = [keys.index, keys.expiry];
      const conditional = deletes.some((d) => d.ifVersion !== undefined);
      const args: (string | number)[] = [now, keys.entryBytes, conditional ? "c" : ""];
      for (const d of deletes) {
        names.push(keys.entry + d.key);
        if (conditional) args.push(d.ifVersion === undefined ? "" : String(d.ifVersion));
      }
      const reply = await conn.write(KV_DELETE, names, args);
      return batchResult(reply, (v) => v === 1);
    },

    async list(ns, query, now) {
      const keys = layout.kv(ns);
      const [min, max] = range(query.prefix, query.after);
      const found = await listKeys(keys, min, max, query.limit, now);
      if (!query.withValues) return found.map((key) => ({ key }));
      // A key deleted between the two round trips is listed without an entry (core skips it).
      const entries = await getEntries(keys, found, now);
      return found.map((key, i): KvListItem => {
        const entry = entries[i];
        return entry ? { key, entry } : { key };
      });
    },

    async count(ns, prefix, now) {
      const keys = layout.kv(ns);
      const [min, max] = range(prefix, undefined);
      return (await conn.script(
        KV_COUNT,
        [keys.index, keys.expiry],
        [min, max, now, prefix],
      )) as number;
    },

    async clear(ns) {
      const keys = layout.kv(ns);
      for (;;) {
        const members = await conn.run((c) => c.zrange(keys.index, "0", String(CLEAR_BATCH - 1)));
        if (members.length === 0) break;
        const replies = await conn.run((c) =>
          c
            .multi()
            .unlink(...entryKeys(keys, members))
            .zrem(keys.index, ...members)
            .zrem(keys.expiry, ...members)
            .exec(),
        );
        const failed = replies?.find(([error]) => error);
        if (failed) throw conn.mapError(failed[0]);
      }
      await registry.forgetIfEmpty([ns]);
    },

    async namespaces(now) {
      const names = await registry.names();
      if (names.length === 0) return [];
      const replies = await conn.fanOut(
        names.flatMap((ns) => {
          const keys = layout.kv(ns);
          return [["ZCARD", keys.index] as const, ["ZCOUNT", keys.expiry, "-inf", now] as const];
        }),
      );
      const live: string[] = [];
      const empty: string[] = [];
      names.forEach((ns, i) => {
        const all = replies[2 * i] as number;
        if (all - (replies[2 * i + 1] as number) > 0) live.push(ns);
        else if (all === 0) empty.push(ns);
      });
      await registry.forgetIfEmpty(empty);
      return live;
    },
  };
}
