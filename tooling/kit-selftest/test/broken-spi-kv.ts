// Broken drivers for the spi/* groups, KV part: each wraps the memory driver and breaks one rule
// of spi.ts the way a driver author plausibly would. The kit must fail every one
// (broken-drivers.test.ts). Graph, closed-driver and capability breakages: broken-spi-graph.ts.

import type { BatchResult, KvDriver, KvWrite } from "@stowage/core";
import { createMemoryDriver } from "@stowage/memory";
import type { BrokenDriver } from "./broken.ts";

const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const ALL = 1_000_000_000;

/** Every live key of a namespace with entries, in byte order. */
const listAll = (ikv: KvDriver, ns: string, now: number) =>
  ikv.list(ns, { prefix: "", limit: ALL, withValues: true }, now);

/** Re-implements list over a full scan, with `order` and `keep` replaceable. */
function listWith(
  ikv: KvDriver,
  order: (a: string, b: string) => number,
  keep?: (key: string, prefix: string, after: string | undefined) => boolean,
): Partial<KvDriver> {
  return {
    async list(ns, query, now) {
      const all = (await listAll(ikv, ns, now)).sort((a, b) => order(a.key, b.key));
      const k =
        keep ??
        ((key, prefix, after) =>
          key.startsWith(prefix) && (after === undefined || order(key, after) > 0));
      return all
        .filter((i) => k(i.key, query.prefix, query.after))
        .slice(0, query.limit)
        .map((i) => (query.withValues ? i : { key: i.key }));
    },
  };
}

/** A breakage that changes each write before the memory driver sees it. */
const rewriteWrites =
  (fn: (w: KvWrite) => KvWrite) =>
  (ikv: KvDriver): Partial<KvDriver> => ({
    setMany: (ns, writes, now) => ikv.setMany(ns, writes.map(fn), now),
  });

const firstConflictOnly = <T>(r: BatchResult<T>): BatchResult<T> =>
  r.ok ? r : { ok: false, conflicts: r.conflicts.slice(0, 1) };

const TTL = ["spi/ttl"];

export const spiKvBrokenDrivers: readonly BrokenDriver[] = [
  // ---- expiry boundaries and the clock
  {
    name: "getMany keeps an entry live at exactly expiresAt (< instead of <=)",
    groups: TTL,
    mustFail: ["spi/ttl/get-many"],
    breakage: { kv: (ikv) => ({ getMany: (ns, keys, now) => ikv.getMany(ns, keys, now - 1) }) },
  },
  {
    name: "conditions see an entry live at exactly expiresAt",
    groups: TTL,
    mustFail: ["spi/ttl/if-version", "spi/ttl/if-absent", "spi/ttl/version-restart"],
    breakage: { kv: (ikv) => ({ setMany: (ns, writes, now) => ikv.setMany(ns, writes, now - 1) }) },
  },
  {
    name: "deleteMany sees an entry live at exactly expiresAt",
    groups: TTL,
    mustFail: ["spi/ttl/delete-many", "spi/ttl/delete-if-version"],
    breakage: {
      kv: (ikv) => ({ deleteMany: (ns, deletes, now) => ikv.deleteMany(ns, deletes, now - 1) }),
    },
  },
  {
    name: "list keeps entries live at exactly expiresAt",
    groups: TTL,
    mustFail: ["spi/ttl/list", "spi/ttl/full-pages"],
    breakage: { kv: (ikv) => ({ list: (ns, q, now) => ikv.list(ns, q, now - 1) }) },
  },
  {
    name: "count counts entries at exactly expiresAt",
    groups: TTL,
    mustFail: ["spi/ttl/count", "spi/ttl/full-pages"],
    breakage: { kv: (ikv) => ({ count: (ns, prefix, now) => ikv.count(ns, prefix, now - 1) }) },
  },
  {
    name: "namespaces() lists a namespace whose entries expire exactly now",
    groups: TTL,
    mustFail: ["spi/ttl/namespaces"],
    breakage: { kv: (ikv) => ({ namespaces: (now) => ikv.namespaces(now - 1) }) },
  },
  {
    name: "expiry decided by Date.now() instead of core's now",
    groups: ["spi/honesty", "spi/ttl"],
    mustFail: ["spi/honesty/clock", "spi/ttl/get-many", "spi/ttl/count"],
    breakage: {
      kv: (ikv) => ({
        getMany: (ns, keys) => ikv.getMany(ns, keys, Date.now()),
        setMany: (ns, writes) => ikv.setMany(ns, writes, Date.now()),
        deleteMany: (ns, deletes) => ikv.deleteMany(ns, deletes, Date.now()),
        list: (ns, q) => ikv.list(ns, q, Date.now()),
        count: (ns, prefix) => ikv.count(ns, prefix, Date.now()),
        namespaces: () => ikv.namespaces(Date.now()),
      }),
    },
  },
  {
    name: "count counts expired entries",
    groups: TTL,
    mustFail: ["spi/ttl/count"],
    breakage: { kv: (ikv) => ({ count: (ns, prefix) => ikv.count(ns, prefix, 0) }) },
  },
  {
    name: "a write without expiry keeps the previous expiresAt",
    groups: ["spi/kv", "spi/ttl"],
    mustFail: ["spi/kv/set-many-increments", "spi/ttl/version-restart"],
    breakage: {
      kv: (ikv) => ({
        async setMany(ns, writes, now) {
          const old = await ikv.getMany(
            ns,
            writes.map((w) => w.key),
            now,
          );
          return ikv.setMany(
            ns,
            writes.map((w, i) => ({ ...w, expiresAt: w.expiresAt ?? old[i]?.expiresAt ?? null })),
            now,
          );
        },
      }),
    },
  },
  // ---- versions and conditions
  {
    name: "ifVersion truncated to 32 bits (x | 0)",
    groups: ["spi/ttl/if-version-large"],
    mustFail: ["spi/ttl/if-version-large"],
    breakage: {
      kv: rewriteWrites((w) =>
        w.ifVersion === undefined ? w : { ...w, ifVersion: w.ifVersion | 0 },
      ),
    },
  },
  {
    name: "deleteMany ifVersion kept modulo 2^32 (an unsigned 32-bit column)",
    groups: ["spi/ttl/delete-if-version-large"],
    mustFail: ["spi/ttl/delete-if-version-large"],
    breakage: {
      kv: (ikv) => ({
        deleteMany: (ns, deletes, now) =>
          ikv.deleteMany(
            ns,
            deletes.map((d) =>
              d.ifVersion === undefined ? d : { ...d, ifVersion: d.ifVersion % 2 ** 32 },
            ),
            now,
          ),
      }),
    },
  },
  {
    name: "ifVersion compared as text by its first digit",
    groups: ["spi/ttl/if-version-digits"],
    mustFail: ["spi/ttl/if-version-digits"],
    breakage: {
      kv: (ikv) => ({
        async setMany(ns, writes, now) {
          const current = await ikv.getMany(
            ns,
            writes.map((w) => w.key),
            now,
          );
          const fixed = writes.map((w, i) => {
            const live = current[i]?.version;
            if (w.ifVersion === undefined || live === undefined) return w;
            return String(live)[0] === String(w.ifVersion)[0] ? { ...w, ifVersion: live } : w;
          });
          return ikv.setMany(ns, fixed, now);
        },
      }),
    },
  },
  {
    name: "setMany reports only the first conflict position",
    groups: ["spi/kv", "spi/model/kv"],
    mustFail: ["spi/kv/set-many-conflicts-all"],
    breakage: {
      kv: (ikv) => ({
        setMany: async (ns, writes, now) => firstConflictOnly(await ikv.setMany(ns, writes, now)),
      }),
    },
  },
  {
    name: "deleteMany reports only the first conflict position",
    groups: ["spi/kv"],
    mustFail: ["spi/kv/delete-many-conflicts"],
    breakage: {
      kv: (ikv) => ({
        deleteMany: async (ns, deletes, now) =>
          firstConflictOnly(await ikv.deleteMany(ns, deletes, now)),
      }),
    },
  },
  {
    name: "a conditional deleteMany applies the deletes whose condition holds, then reports the conflicts",
    groups: ["spi/kv", "spi/honesty"],
    mustFail: ["spi/kv/delete-many-conflicts", "spi/honesty/atomic-batches"],
    breakage: {
      kv: (ikv) => ({
        async deleteMany(ns, deletes, now) {
          const conflicts: number[] = [];
          const results: boolean[] = [];
          for (const [i, d] of deletes.entries()) {
            const r = await ikv.deleteMany(ns, [d], now);
            if (r.ok) results.push(r.results[0] as boolean);
            else conflicts.push(i);
          }
          return conflicts.length > 0 ? { ok: false, conflicts } : { ok: true, results };
        },
      }),
    },
  },
  {
    name: "setMany writes the unconditional items of a batch whose conditions fail",
    groups: ["spi/kv", "spi/honesty"],
    mustFail: ["spi/kv/set-many-conflicts-all", "spi/honesty/atomic-batches"],
    breakage: {
      kv: (ikv) => ({
        async setMany(ns, writes, now) {
          const r = await ikv.setMany(ns, writes, now);
          if (!r.ok)
            await ikv.setMany(
              ns,
              writes.filter((w) => w.ifVersion === undefined && !w.ifAbsent),
              now,
            );
          return r;
        },
      }),
    },
  },
  {
    name: "ifAbsent ignored",
    groups: ["spi/kv", "spi/ttl"],
    mustFail: [
      "spi/kv/set-many-conditions-hold",
      "spi/kv/set-many-conflicts-all",
      "spi/ttl/if-absent",
    ],
    breakage: {
      kv: rewriteWrites(({ ifAbsent: _, ...w }) => w),
    },
  },
  {
    name: "CAS by read, then write (not atomic: concurrent writers all win)",
    groups: ["spi/honesty/cas"],
    mustFail: ["spi/honesty/cas"],
    breakage: {
      kv: (ikv) => ({
        async setMany(ns, writes, now) {
          const current = await ikv.getMany(
            ns,
            writes.map((w) => w.key),
            now,
          );
          const conflicts = writes.flatMap((w, i) =>
            (w.ifAbsent && current[i]) ||
            (w.ifVersion !== undefined && current[i]?.version !== w.ifVersion)
              ? [i]
              : [],
          );
          if (conflicts.length > 0) return { ok: false, conflicts };
          await new Promise((r) => setTimeout(r, 5));
          return ikv.setMany(
            ns,
            writes.map(({ ifVersion: _, ifAbsent: __, ...w }) => w),
            now,
          );
        },
      }),
    },
  },
  {
    name: "setMany results in key order instead of write order",
    groups: ["spi/kv"],
    mustFail: ["spi/kv/set-many-versions"],
    breakage: {
      kv: (ikv) => ({
        async setMany(ns, writes, now) {
          const r = await ikv.setMany(ns, writes, now);
          if (!r.ok) return r;
          const order = writes
            .map((w, i) => [w.key, r.results[i] as number] as const)
            .sort((a, b) => byteCompare(a[0], b[0]));
          return { ok: true, results: order.map(([, v]) => v) };
        },
      }),
    },
  },
  {
    name: "deleteMany results say whether the key was given, not whether a live entry was removed",
    groups: ["spi/kv"],
    mustFail: ["spi/kv/delete-many-results"],
    breakage: {
      kv: (ikv) => ({
        async deleteMany(ns, deletes, now) {
          const r = await ikv.deleteMany(ns, deletes, now);
          return r.ok ? { ok: true, results: r.results.map(() => true) } : r;
        },
      }),
    },
  },
  // ---- reads and listings
  {
    name: "getMany answers each distinct key once (repeated keys misaligned)",
    groups: ["spi/kv"],
    mustFail: ["spi/kv/get-many-order"],
    breakage: {
      kv: (ikv) => ({ getMany: (ns, keys, now) => ikv.getMany(ns, [...new Set(keys)], now) }),
    },
  },
  {
    name: "list treats after as inclusive",
    groups: ["spi/kv"],
    mustFail: ["spi/kv/list-after-exclusive"],
    breakage: {
      kv: (ikv) =>
        listWith(
          ikv,
          byteCompare,
          (key, prefix, after) =>
            key.startsWith(prefix) && (after === undefined || byteCompare(key, after) >= 0),
        ),
    },
  },
  {
    name: "list ignores the prefix once after is given",
    groups: ["spi/kv"],
    mustFail: ["spi/kv/list-prefix-after"],
    breakage: {
      kv: (ikv) =>
        listWith(ikv, byteCompare, (key, prefix, after) =>
          after === undefined ? key.startsWith(prefix) : byteCompare(key, after) > 0,
        ),
    },
  },
  {
    name: "list in case-insensitive order",
    groups: ["spi/kv"],
    mustFail: ["spi/kv/list-byte-order"],
    breakage: {
      kv: (ikv) =>
        listWith(ikv, (a, b) => byteCompare(a.toLowerCase(), b.toLowerCase()) || byteCompare(a, b)),
    },
  },
  {
    name: "list in locale order (localeCompare)",
    groups: ["spi/kv"],
    mustFail: ["spi/kv/list-byte-order"],
    breakage: { kv: (ikv) => listWith(ikv, (a, b) => a.localeCompare(b) || byteCompare(a, b)) },
  },
  {
    name: "keys normalised to NFC",
    groups: ["spi/kv"],
    mustFail: ["spi/kv/list-byte-order"],
    breakage: {
      kv: (ikv) => ({
        getMany: (ns, keys, now) =>
          ikv.getMany(
            ns,
            keys.map((k) => k.normalize("NFC")),
            now,
          ),
        setMany: (ns, writes, now) =>
          ikv.setMany(
            ns,
            writes.map((w) => ({ ...w, key: w.key.normalize("NFC") })),
            now,
          ),
      }),
    },
  },
  {
    name: "list withValues leaves out expiresAt",
    groups: ["spi/kv"],
    mustFail: ["spi/kv/list-with-values"],
    breakage: {
      kv: (ikv) => ({
        async list(ns, q, now) {
          return (await ikv.list(ns, q, now)).map((i) =>
            i.entry ? { key: i.key, entry: { ...i.entry, expiresAt: null } } : i,
          );
        },
      }),
    },
  },
  {
    name: "clear(ns) also clears namespaces whose names start with ns",
    groups: ["spi/kv/clear-isolation"],
    mustFail: ["spi/kv/clear-isolation"],
    breakage: {
      kv: (ikv) => ({
        async clear(ns) {
          for (const name of await ikv.namespaces(0))
            if (name.startsWith(ns)) await ikv.clear(name);
          await ikv.clear(ns);
        },
      }),
    },
  },
  {
    name: "kv clear(ns) also clears the graph of the same name",
    groups: ["spi/kv/clear-isolation"],
    mustFail: ["spi/kv/clear-isolation"],
    breakage: {
      kv: (ikv, db) => ({
        async clear(ns) {
          await ikv.clear(ns);
          await createMemoryDriver({ database: db, sweepIntervalMs: 0 }).graph?.clear(ns);
        },
      }),
    },
  },
  {
    name: "namespaces() in locale order",
    groups: ["spi/kv/namespaces-order"],
    mustFail: ["spi/kv/namespaces-order"],
    breakage: {
      kv: (ikv) => ({
        namespaces: async (now) => (await ikv.namespaces(now)).sort((a, b) => a.localeCompare(b)),
      }),
    },
  },
  {
    name: "namespaces() keeps listing a namespace after clear()",
    groups: ["spi/kv/namespaces-liveness"],
    mustFail: ["spi/kv/namespaces-liveness"],
    breakage: {
      kv: (ikv) => {
        const cleared = new Set<string>();
        return {
          async clear(ns) {
            cleared.add(ns);
            await ikv.clear(ns);
          },
          namespaces: async (now) =>
            [...new Set([...(await ikv.namespaces(now)), ...cleared])].sort(byteCompare),
        };
      },
    },
  },
  // ---- values
  {
    name: "values re-serialised (JSON.stringify(JSON.parse(value)))",
    groups: ["spi/values"],
    mustFail: ["spi/values/any-json-text", "spi/values/duplicate-looking-keys"],
    breakage: {
      kv: rewriteWrites((w) => ({ ...w, value: JSON.stringify(JSON.parse(w.value)) })),
    },
  },
  {
    name: "values stored jsonb-style (object keys sorted)",
    groups: ["spi/values"],
    mustFail: ["spi/values/key-order"],
    breakage: {
      kv: (ikv) => {
        const sortKeys = (v: unknown): unknown =>
          Array.isArray(v)
            ? v.map(sortKeys)
            : v && typeof v === "object"
              ? Object.fromEntries(
                  Object.entries(v)
                    .sort(([a], [b]) => a.length - b.length || byteCompare(a, b))
                    .map(([k, x]) => [k, sortKeys(x)]),
                )
              : v;
        return {
          setMany: (ns, writes, now) =>
            ikv.setMany(
              ns,
              writes.map((w) => ({ ...w, value: JSON.stringify(sortKeys(JSON.parse(w.value))) })),
              now,
            ),
        };
      },
    },
  },
  {
    name: "values normalised to NFC",
    groups: ["spi/values"],
    mustFail: ["spi/values/unicode-distinct", "spi/values/strings"],
    breakage: {
      kv: rewriteWrites((w) => ({ ...w, value: w.value.normalize("NFC") })),
    },
  },
  {
    name: "values trimmed of whitespace inside strings (a TRIM in the INSERT)",
    groups: ["spi/values/strings", "spi/values/any-json-text"],
    mustFail: ["spi/values/strings", "spi/values/any-json-text"],
    breakage: {
      kv: rewriteWrites((w) => ({ ...w, value: w.value.trim().replace(/^"\s+|\s+"$/g, '"') })),
    },
  },
  {
    name: "values over 1 MiB silently truncated (declares a larger maxValueBytes)",
    groups: ["spi/values/largest", "spi/values/long-strings"],
    mustFail: ["spi/values/largest", "spi/values/long-strings"],
    breakage: {
      kv: rewriteWrites((w) => ({ ...w, value: w.value.slice(0, 1 << 20) })),
    },
  },
  {
    name: "namespace and key joined without a separator (one keyspace)",
    groups: ["spi/kv/namespace-boundaries"],
    mustFail: ["spi/kv/namespace-boundaries"],
    breakage: {
      kv: (ikv) => {
        const ALLNS = "all";
        return {
          getMany: (ns, keys, now) =>
            ikv.getMany(
              ALLNS,
              keys.map((k) => ns + k),
              now,
            ),
          setMany: (ns, writes, now) =>
            ikv.setMany(
              ALLNS,
              writes.map((w) => ({ ...w, key: ns + w.key })),
              now,
            ),
          deleteMany: (ns, deletes, now) =>
            ikv.deleteMany(
              ALLNS,
              deletes.map((d) => ({ ...d, key: ns + d.key })),
              now,
            ),
          async list(ns, q, now) {
            const items = await ikv.list(
              ALLNS,
              {
                ...q,
                prefix: ns + q.prefix,
                ...(q.after === undefined ? {} : { after: ns + q.after }),
              },
              now,
            );
            return items.map((i) => ({ ...i, key: i.key.slice(ns.length) }));
          },
          count: (ns, prefix, now) => ikv.count(ALLNS, ns + prefix, now),
        };
      },
    },
  },
  {
    name: "list pages capped at 1000 keys",
    groups: ["spi/kv/list-large-limit"],
    mustFail: ["spi/kv/list-large-limit"],
    breakage: {
      kv: (ikv) => ({
        list: (ns, q, now) => ikv.list(ns, { ...q, limit: Math.min(q.limit, 1000) }, now),
      }),
    },
  },
  {
    name: "namespaces() lists graph names too (one registry for both)",
    groups: ["spi/kv/namespaces-liveness"],
    mustFail: ["spi/kv/namespaces-liveness"],
    breakage: {
      kv: (ikv, db) => ({
        async namespaces(now) {
          const graphs =
            (await createMemoryDriver({ database: db, sweepIntervalMs: 0 }).graph?.graphs()) ?? [];
          return [...new Set([...(await ikv.namespaces(now)), ...graphs])].sort(byteCompare);
        },
      }),
    },
  },
  {
    name: "namespaces() lists only namespaces this instance wrote (a per-process registry)",
    groups: ["spi/honesty/shared-kv"],
    mustFail: ["spi/honesty/shared-kv"],
    breakage: {
      kv: (ikv) => {
        const mine = new Set<string>();
        return {
          async setMany(ns, writes, now) {
            mine.add(ns);
            return ikv.setMany(ns, writes, now);
          },
          namespaces: async (now) => (await ikv.namespaces(now)).filter((ns) => mine.has(ns)),
        };
      },
    },
  },
];
