// The KV part: one statement per batch, array parameters through unnest(), expiry filtered on
// every read against core's `now`, compare-and-set in the statement's conditions.

import { compareUtf8 } from "@stowage/core";
import type {
  BatchResult,
  EncodedEntry,
  KvDelete,
  KvDriver,
  KvListItem,
  KvListQuery,
  KvWrite,
} from "@stowage/core";
import { rowsOf } from "./driver.ts";
import type { Db } from "./driver.ts";

/** Live-entry condition for table alias `a` against the parameter holding `now`. */
function live(a: string, nowParam: string): string {
  return `(${a}.expires_at IS NULL OR ${a}.expires_at > ${nowParam})`;
}

/** Indexes of the items for which `failed` holds. */
function positions<T>(items: readonly T[], failed: (item: T) => boolean): number[] {
  const out: number[] = [];
  items.forEach((item, i) => {
    if (failed(item)) out.push(i);
  });
  return out;
}

/** Epoch ms as an integer (bigint columns); an integer expiry is live iff it is > floor(now). */
function ms(now: number): number {
  return Math.floor(now);
}

function toEntry(value: unknown, version: unknown, expiresAt: unknown): EncodedEntry {
  return {
    value: String(value),
    version: Number(version),
    expiresAt: expiresAt === null ? null : Number(expiresAt),
  };
}

/**
 * The smallest string above every string that starts with `prefix`, in UTF-8 byte order (which
 * is code point order), or undefined when there is none. Turns a prefix into an index range.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    const last = points.pop() as number;
    if (last < 0x10ffff)
      return String.fromCodePoint(...points, last + 1 === 0xd800 ? 0xe000 : last + 1);
  }
  return undefined;
}

/** Appends key-range conditions for `prefix` to `where`, with their parameters. */
function prefixRange(prefix: string, column: string, where: string[], params: unknown[]): void {
  if (prefix === "") return;
  params.push(prefix);
  where.push(`${column} >= $${params.length}`);
  const end = prefixEnd(prefix);
  if (end !== undefined) {
    params.push(end);
    where.push(`${column} < $${params.length}`);
  }
}

interface WriteGroups {
  cas: KvWrite[];
  absent: KvWrite[];
  plain: KvWrite[];
}

function groupWrites(writes: readonly KvWrite[]): WriteGroups {
  const groups: WriteGroups = { cas: [], absent: [], plain: [] };
  // Sorted, so concurrent batches lock rows in one order and do not deadlock each other.
  for (const w of [...writes].sort((a, b) => compareUtf8(a.key, b.key))) {
    if (w.ifVersion !== undefined) groups.cas.push(w);
    else if (w.ifAbsent) groups.absent.push(w);
    else groups.plain.push(w);
  }
  return groups;
}

/**
 * One statement writing a whole batch, returning (key, new version) for every row written:
 *  - `ifVersion` writes: UPDATE where the live row has that version (re-checked on the latest
 *    row version when a concurrent writer got there first);
 *  - `ifAbsent` writes: INSERT, or on conflict replace only an expired row;
 *  - plain writes: upsert; version 1 over an expired row, +1 over a live one.
 * A write missing from the result had a failed condition.
 */
function setManyStatement(
  kv: string,
  ns: string,
  g: WriteGroups,
  now: number,
): { text: string; params: unknown[] } {
  const params: unknown[] = [ns, now];
  const source = (ws: KvWrite[], withVersion: boolean) =>
    rowsOf(params, "u", [
      ["key", "text", ws.map((w) => w.key)],
      ["value", "text", ws.map((w) => w.value)],
      ["expires_at", "int8", ws.map((w) => w.expiresAt)],
      ...(withVersion ? [["if_version", "int8", ws.map((w) => w.ifVersion)] as const] : []),
    ]);
  const parts: { name: string; body: string }[] = [];
  if (g.cas.length > 0) {
    parts.push({
      name: "cas",
      body: `UPDATE ${kv} AS t SET value = u.value, expires_at = u.expires_at, version = t.version + 1
      FROM ${source(g.cas, true)}
      WHERE t.ns = $1 AND t.key = u.key AND t.version = u.if_version AND ${live("t", "$2")}
      RETURNING t.key, t.version`,
    });
  }
  if (g.absent.length > 0) {
    parts.push({
      name: "absent",
      body: `INSERT INTO ${kv} AS t (ns, key, value, version, expires_at)
      SELECT $1, u.key, u.value, 1, u.expires_at FROM ${source(g.absent, false)}
      ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, version = 1
      WHERE NOT ${live("t", "$2")}
      RETURNING t.key, t.version`,
    });
  }
  if (g.plain.length > 0) {
    parts.push({
      name: "plain",
      body: `INSERT INTO ${kv} AS t (ns, key, value, version, expires_at)
      SELECT $1, u.key, u.value, 1, u.expires_at FROM ${source(g.plain, false)}
      ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
        version = CASE WHEN ${live("t", "$2")} THEN t.version + 1 ELSE 1 END
      RETURNING t.key, t.version`,
    });
  }
  const text =
    parts.length === 1
      ? (parts[0] as { body: string }).body
      : `WITH ${parts.map((x) => `${x.name} AS (${x.body})`).join(",\n")}\n${parts
          .map((x) => `SELECT key, version FROM ${x.name}`)
          .join(" UNION ALL ")}`;
  return { text, params };
}

export function createKvDriver(db: Db): KvDriver {
  const { t } = db;

  return {
    async getMany(ns, keys, now) {
      const unique = [...new Set(keys)];
      // One key (every get()) compares with a plain parameter: no array to build and parse.
      const one = unique.length === 1;
      const rows = await db.query(
        "read",
        `SELECT key, value, version, expires_at FROM ${t.kv} AS k
         WHERE k.ns = $1 AND ${one ? "k.key = $2" : "k.key = ANY($2::text[])"} AND ${live("k", "$3")}`,
        [ns, one ? unique[0] : unique, ms(now)],
      );
      const found = new Map<string, EncodedEntry>();
      for (const [key, value, version, expiresAt] of rows) {
        found.set(String(key), toEntry(value, version, expiresAt));
      }
      return keys.map((k) => found.get(k));
    },

    setMany(ns, writes, now): Promise<BatchResult<number>> {
      const groups = groupWrites(writes);
      const { text, params } = setManyStatement(t.kv, ns, groups, ms(now));
      // A failed condition writes nothing for its own row; only a batch of several writes with
      // conditions needs a transaction to undo the rows that did get written.
      const atomic = writes.length > 1 && groups.cas.length + groups.absent.length > 0;
      return db.batch("write", text, params, atomic, (rows) => {
        const versions = new Map<string, number>();
        for (const [key, version] of rows) versions.set(String(key), Number(version));
        const conflicts = positions(writes, (w) => !versions.has(w.key));
        if (conflicts.length > 0) return { ok: false, conflicts };
        return { ok: true, results: writes.map((w) => versions.get(w.key) as number) };
      });
    },

    deleteMany(ns, deletes: readonly KvDelete[], now): Promise<BatchResult<boolean>> {
      const sorted = [...deletes].sort((a, b) => compareUtf8(a.key, b.key));
      const params: unknown[] = [ns, ms(now)];
      const conditional = deletes.some((d) => d.ifVersion !== undefined);
      let text: string;
      if (conditional) {
        const source = rowsOf(params, "u", [
          ["key", "text", sorted.map((d) => d.key)],
          ["if_version", "int8", sorted.map((d) => d.ifVersion ?? null)],
        ]);
        text = `DELETE FROM ${t.kv} AS t USING ${source}
        WHERE t.ns = $1 AND t.key = u.key
          AND (u.if_version IS NULL OR (t.version = u.if_version AND ${live("t", "$2")}))
        RETURNING t.key, ${live("t", "$2")}`;
      } else {
        // Without conditions: one index scan over the keys (`= ANY`, or `=` for one key), no join
        // and no array of NULL versions; the scan visits keys in index order (the lock order).
        const one = sorted.length === 1;
        params.push(one ? sorted[0]?.key : sorted.map((d) => d.key));
        text = `DELETE FROM ${t.kv} AS t
        WHERE t.ns = $1 AND ${one ? "t.key = $3" : "t.key = ANY($3::text[])"}
        RETURNING t.key, ${live("t", "$2")}`;
      }
      const atomic = deletes.length > 1 && conditional;
      return db.batch("delete", text, params, atomic, (rows) => {
        const removed = new Map<string, boolean>();
        for (const [key, wasLive] of rows) removed.set(String(key), wasLive === true);
        const conflicts = positions(
          deletes,
          (d) => d.ifVersion !== undefined && !removed.has(d.key),
        );
        if (conflicts.length > 0) return { ok: false, conflicts };
        return { ok: true, results: deletes.map((d) => removed.get(d.key) === true) };
      });
    },

    async list(ns, query: KvListQuery, now): Promise<KvListItem[]> {
      const params: unknown[] = [ns, ms(now)];
      const where = ["k.ns = $1", live("k", "$2")];
      prefixRange(query.prefix, "k.key", where, params);
      if (query.after !== undefined) {
        params.push(query.after);
        where.push(`k.key > $${params.length}`);
      }
      params.push(query.limit);
      const columns = query.withValues ? "key, value, version, expires_at" : "key";
      const rows = await db.query(
        "list",
        `SELECT ${columns} FROM ${t.kv} AS k WHERE ${where.join(" AND ")}
         ORDER BY k.key LIMIT $${params.length}`,
        params,
      );
      return rows.map(([key, value, version, expiresAt]) =>
        query.withValues
          ? { key: String(key), entry: toEntry(value, version, expiresAt) }
          : { key: String(key) },
      );
    },

    async count(ns, prefix, now) {
      const params: unknown[] = [ns, ms(now)];
      const where = ["k.ns = $1", live("k", "$2")];
      prefixRange(prefix, "k.key", where, params);
      const [row] = await db.query(
        "count",
        `SELECT count(*) FROM ${t.kv} AS k WHERE ${where.join(" AND ")}`,
        params,
      );
      return Number(row?.[0] ?? 0);
    },

    async clear(ns) {
      await db.execute("clear", `DELETE FROM ${t.kv} WHERE ns = $1`, [ns]);
    },

    async namespaces(now) {
      // A loose index scan: one index probe per namespace, not a scan of every key.
      const rows = await db.query(
        "list namespaces",
        `WITH RECURSIVE n(ns) AS (
           SELECT min(ns) FROM ${t.kv}
           UNION ALL
           SELECT (SELECT min(k.ns) FROM ${t.kv} AS k WHERE k.ns > n.ns) FROM n WHERE n.ns IS NOT NULL
         )
         SELECT n.ns FROM n WHERE n.ns IS NOT NULL
           AND EXISTS (SELECT 1 FROM ${t.kv} AS k WHERE k.ns = n.ns AND ${live("k", "$1")})
         ORDER BY n.ns`,
        [ms(now)],
      );
      return rows.map(([ns]) => String(ns));
    },
  };
}

/** Deletes expired rows in chunks, skipping rows other sessions hold. Uses the real clock. */
export async function sweepExpired(
  db: Db,
  now: number,
  chunk = 1000,
  maxChunks = 100,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxChunks; i++) {
    const deleted = await db.execute(
      "sweep",
      `DELETE FROM ${db.t.kv} AS t WHERE (t.ns, t.key) IN (
         SELECT ns, key FROM ${db.t.kv} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED
       ) AND t.expires_at <= $1`,
      [ms(now), chunk],
    );
    total += deleted;
    if (deleted < chunk) break;
  }
  return total;
}
