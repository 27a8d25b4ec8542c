// KV part of the memory driver: a Map per namespace plus a sorted key index for listing.

import type { BatchResult, EncodedEntry, KvDelete, KvDriver, KvListItem, KvListQuery, KvWrite } from "@stowage/core";
import type { MemoryDatabase, Namespace, StoredEntry } from "./database.ts";

function live(entry: StoredEntry | undefined, now: number): StoredEntry | undefined {
  return entry && (entry.expiresAt === null || entry.expiresAt > now) ? entry : undefined;
}

function copy(entry: StoredEntry): EncodedEntry {
  return { value: entry.value, version: entry.version, expiresAt: entry.expiresAt };
}

/** Position of the first key to list: after the cursor, and not before the prefix. */
function startIndex(ns: Namespace, query: KvListQuery): number {
  const byPrefix = ns.order.lowerBound(query.prefix);
  if (query.after === undefined) return byPrefix;
  return Math.max(byPrefix, ns.order.upperBound(query.after));
}

export function createMemoryKv(db: MemoryDatabase, assertOpen: () => void): KvDriver {
  return {
    async getMany(name, keys, now) {
      assertOpen();
      const ns = db.namespace(name);
      return keys.map((key) => {
        const entry = live(ns?.entries.get(key), now);
        return entry && copy(entry);
      });
    },

    async setMany(name, writes: readonly KvWrite[], now): Promise<BatchResult<number>> {
      assertOpen();
      const ns = db.namespace(name, true);
      // Check every condition first, then apply: single-threaded, so this is all-or-nothing.
      const conflicts: number[] = [];
      writes.forEach((w, i) => {
        const current = live(ns.entries.get(w.key), now);
        if (w.ifAbsent && current) conflicts.push(i);
        else if (w.ifVersion !== undefined && current?.version !== w.ifVersion) conflicts.push(i);
      });
      if (conflicts.length > 0) return { ok: false, conflicts };
      const results = writes.map((w) => {
        const current = live(ns.entries.get(w.key), now);
        const version = current ? current.version + 1 : 1;
        if (!ns.entries.has(w.key)) ns.order.insert(w.key);
        ns.entries.set(w.key, { value: w.value, version, expiresAt: w.expiresAt });
        return version;
      });
      return { ok: true, results };
    },

    async deleteMany(name, deletes: readonly KvDelete[], now): Promise<BatchResult<boolean>> {
      assertOpen();
      const ns = db.namespace(name);
      const conflicts: number[] = [];
      deletes.forEach((d, i) => {
        if (d.ifVersion !== undefined && live(ns?.entries.get(d.key), now)?.version !== d.ifVersion) conflicts.push(i);
      });
      if (conflicts.length > 0) return { ok: false, conflicts };
      const results = deletes.map((d) => {
        const existed = live(ns?.entries.get(d.key), now) !== undefined;
        if (ns?.entries.delete(d.key)) ns.order.remove(d.key);
        return existed;
      });
      return { ok: true, results };
    },

    async list(name, query, now): Promise<KvListItem[]> {
      assertOpen();
      const ns = db.namespace(name);
      if (!ns) return [];
      const out: KvListItem[] = [];
      for (const key of ns.order.from(startIndex(ns, query))) {
        if (!key.startsWith(query.prefix)) break;
        const entry = live(ns.entries.get(key), now);
        if (!entry) continue;
        out.push(query.withValues ? { key, entry: copy(entry) } : { key });
        if (out.length >= query.limit) break;
      }
      return out;
    },

    async count(name, prefix, now) {
      assertOpen();
      const ns = db.namespace(name);
      if (!ns) return 0;
      let n = 0;
      for (const key of ns.order.from(ns.order.lowerBound(prefix))) {
        if (!key.startsWith(prefix)) break;
        if (live(ns.entries.get(key), now)) n++;
      }
      return n;
    },

    async clear(name) {
      assertOpen();
      db.namespaces.delete(name);
    },

    async namespaces(now) {
      assertOpen();
      const names: string[] = [];
      for (const [name, ns] of db.namespaces) {
        for (const entry of ns.entries.values()) {
          if (live(entry, now)) {
            names.push(name);
            break;
          }
        }
      }
      return names.sort();
    },
  };
}
