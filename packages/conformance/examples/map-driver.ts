// A complete key-value driver over plain Maps: what the SPI asks of a driver, in one file.
import { ClosedError, compareUtf8 } from "@stowage/core";
import type { Driver, EncodedEntry, KvDriver } from "@stowage/core";

/** namespace → key → entry. Pass the same Map to several drivers to share one dataset. */
export type MapData = Map<string, Map<string, EncodedEntry>>;

export function createMapDriver(data: MapData = new Map()): Driver {
  let closed = false;
  const checkOpen = () => {
    if (closed) throw new ClosedError("the map driver is closed");
  };
  // `now` comes from core: every expiry decision uses it, never Date.now().
  const live = (e: EncodedEntry | undefined, now: number) => (e && (e.expiresAt === null || e.expiresAt > now) ? e : undefined);
  const table = (ns: string) => {
    let t = data.get(ns);
    if (!t) data.set(ns, (t = new Map()));
    return t;
  };

  const kv: KvDriver = {
    async getMany(ns, keys, now) {
      checkOpen();
      return keys.map((key) => live(data.get(ns)?.get(key), now));
    },
    async setMany(ns, writes, now) {
      checkOpen();
      const t = table(ns);
      // All conditions first, then all writes: nothing is written when one condition fails.
      const conflicts = writes.flatMap((w, i) => {
        const current = live(t.get(w.key), now);
        return (w.ifAbsent && current) || (w.ifVersion !== undefined && current?.version !== w.ifVersion) ? [i] : [];
      });
      if (conflicts.length > 0) return { ok: false, conflicts };
      const results = writes.map((w) => {
        const version = (live(t.get(w.key), now)?.version ?? 0) + 1; // 1 again after delete or expiry
        t.set(w.key, { value: w.value, version, expiresAt: w.expiresAt });
        return version;
      });
      return { ok: true, results };
    },
    async deleteMany(ns, deletes, now) {
      checkOpen();
      const t = data.get(ns);
      const conflicts = deletes.flatMap((d, i) => (d.ifVersion !== undefined && live(t?.get(d.key), now)?.version !== d.ifVersion ? [i] : []));
      if (conflicts.length > 0) return { ok: false, conflicts };
      const results = deletes.map((d) => {
        const existed = live(t?.get(d.key), now) !== undefined;
        t?.delete(d.key);
        return existed;
      });
      return { ok: true, results };
    },
    async list(ns, query, now) {
      checkOpen();
      const after = query.after;
      return [...(data.get(ns) ?? new Map<string, EncodedEntry>())]
        .filter(([key, entry]) => key.startsWith(query.prefix) && live(entry, now) && (after === undefined || compareUtf8(key, after) > 0))
        .sort(([a], [b]) => compareUtf8(a, b)) // UTF-8 byte order, not JavaScript's UTF-16 order
        .slice(0, query.limit)
        .map(([key, entry]) => (query.withValues ? { key, entry } : { key }));
    },
    async count(ns, prefix, now) {
      checkOpen();
      return [...(data.get(ns) ?? new Map<string, EncodedEntry>())].filter(([key, entry]) => key.startsWith(prefix) && live(entry, now)).length;
    },
    async clear(ns) {
      checkOpen();
      data.delete(ns);
    },
    async namespaces(now) {
      checkOpen();
      return [...data].filter(([, t]) => [...t.values()].some((e) => live(e, now))).map(([ns]) => ns).sort(compareUtf8);
    },
  };

  return {
    name: "map",
    capabilities: {
      kv: true,
      graph: false,
      ttl: true,
      cas: true,
      atomicBatches: true,
      nativeTraversal: false,
      persistent: false,
      shared: true,
      maxValueBytes: 64 * 1024 * 1024,
    },
    kv,
    async ping() {
      checkOpen();
    },
    async close() {
      closed = true;
    },
  };
}
