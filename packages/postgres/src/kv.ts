// The KV part: one statement per batch, array parameters through unnest(), expiry filtered on
// every read against core's `now`, compare-and-set in the statement's conditions.

import { compareUtf8 } from "@stowage/core";
import type { BatchResult, EncodedEntry, KvDelete, KvDriver, KvListItem, KvListQuery, KvWrite } from "@stowage/core";
import type { Sql } from "postgres";
import { Rollback } from "./driver.ts";
import type { Db } from "./driver.ts";

type Row = unknown[];

/** Live-entry condition for table alias `a` against the parameter holding `now`. */
function live(a: string, nowParam: string): string {
  return `(${a}.expires_at IS NULL OR ${a}.expires_at > ${nowParam})`;
}

/** Epoch ms as an integer (bigint columns); an integer expiry is live iff it is > floor(now). */
function ms(now: number): number {
  return Math.floor(now);
}

function toEntry(value: unknown, version: unknown, expiresAt: unknown): EncodedEntry {
  return { value: String(value), version: Number(version), expiresAt: expiresAt === null ? null : Number(expiresAt) };
}

/**
 * The smallest string above every string that starts with `prefix`, in UTF-8 byte order (which
 * is code point order), or undefined when there is none. Turns a prefix into an index range.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    const last = points.pop() as number;
    if (last < 0x10ffff) return String.fromCodePoint(...points, last + 1 === 0xd800 ? 0xe000 : last + 1);
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
function setManyStatement(kv: string, ns: string, g: WriteGroups, now: number): { text: string; params: unknown[] } {
  const params: unknown[] = [ns, now];
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const arrays = (ws: KvWrite[]) =>
    `${p(ws.map((w) => w.key))}::text[], ${p(ws.map((w) => w.value))}::text[], ${p(ws.map((w) => w.expiresAt))}::int8[]`;
  const parts: string[] = [];
  if (g.cas.length > 0) {
    parts.push(`cas AS (
      UPDATE ${kv} AS t SET value = u.value, expires_at = u.expires_at, version = t.version + 1
      FROM unnest(${arrays(g.cas)}, ${p(g.cas.map((w) => w.ifVersion))}::int8[]) AS u(key, value, expires_at, if_version)
      WHERE t.ns = $1 AND t.key = u.key AND t.version = u.if_version AND ${live("t", "$2")}
      RETURNING t.key, t.version)`);
  }
  if (g.absent.length > 0) {
    parts.push(`absent AS (
      INSERT INTO ${kv} AS t (ns, key, value, version, expires_at)
      SELECT $1, u.key, u.value, 1, u.expires_at FROM unnest(${arrays(g.absent)}) AS u(key, value, expires_at)
      ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, version = 1
      WHERE NOT ${live("t", "$2")}
      RETURNING t.key, t.version)`);
  }
  if (g.plain.length > 0) {
    parts.push(`plain AS (
      INSERT INTO ${kv} AS t (ns, key, value, version, expires_at)
      SELECT $1, u.key, u.value, 1, u.expires_at FROM unnest(${arrays(g.plain)}) AS u(key, value, expires_at)
      ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
        version = CASE WHEN ${live("t", "$2")} THEN t.version + 1 ELSE 1 END
      RETURNING t.key, t.version)`);
  }
  const names = parts.map((part) => part.slice(0, part.indexOf(" ")));
  const text = `WITH ${parts.join(",\n")}\n${names.map((n) => `SELECT key, version FROM ${n}`).join(" UNION ALL ")}`;
  return { text, params };
}

export function createKvDriver(db: Db): KvDriver {
  const { t } = db;

  return {
    async getMany(ns, keys, now) {
      const unique = [...new Set(keys)];
      const rows = await db.run("read", (sql) =>
        sql
          .unsafe(
            `SELECT key, value, version, expires_at FROM ${t.kv} AS k
             WHERE k.ns = $1 AND k.key = ANY($2::text[]) AND ${live("k", "$3")}`,
            [ns, unique, ms(now)],
          )
          .values(),
      );
      const found = new Map<string, EncodedEntry>();
      for (const [key, value, version, expiresAt] of rows as Row[]) found.set(String(key), toEntry(value, version, expiresAt));
      return keys.map((k) => found.get(k));
    },

    async setMany(ns, writes, now): Promise<BatchResult<number>> {
      const groups = groupWrites(writes);
      const { text, params } = setManyStatement(t.kv, ns, groups, ms(now));
      const conditional = groups.cas.length + groups.absent.length > 0;
      const collect = (rows: Row[]): BatchResult<number> => {
        const versions = new Map<string, number>();
        for (const [key, version] of rows) versions.set(String(key), Number(version));
        const conflicts: number[] = [];
        writes.forEach((w, i) => {
          if (!versions.has(w.key)) conflicts.push(i);
        });
        if (conflicts.length > 0) return { ok: false, conflicts };
        return { ok: true, results: writes.map((w) => versions.get(w.key) as number) };
      };
      if (!conditional) {
        // One statement is atomic on its own: no transaction, one round trip.
        const rows = await db.run("write", (sql) => sql.unsafe(text, params as never[]).values());
        return collect(rows as Row[]);
      }
      try {
        return await db.transaction("write", async (tx) => {
          const result = collect((await tx.unsafe(text, params as never[]).values()) as Row[]);
          if (!result.ok) throw new Rollback(result);
          return result;
        });
      } catch (error) {
        if (error instanceof Rollback) return error.value as BatchResult<number>;
        throw error;
      }
    },

    async deleteMany(ns, deletes: readonly KvDelete[], now): Promise<BatchResult<boolean>> {
      const sorted = [...deletes].sort((a, b) => compareUtf8(a.key, b.key));
      const text = `DELETE FROM ${t.kv} AS t USING unnest($2::text[], $3::int8[]) AS u(key, if_version)
        WHERE t.ns = $1 AND t.key = u.key
          AND (u.if_version IS NULL OR (t.version = u.if_version AND ${live("t", "$4")}))
        RETURNING t.key, ${live("t", "$4")}`;
      const params = [ns, sorted.map((d) => d.key), sorted.map((d) => d.ifVersion ?? null), ms(now)];
      const collect = (rows: Row[]): BatchResult<boolean> => {
        const removed = new Map<string, boolean>();
        for (const [key, wasLive] of rows) removed.set(String(key), wasLive === true);
        const conflicts: number[] = [];
        deletes.forEach((d, i) => {
          if (d.ifVersion !== undefined && !removed.has(d.key)) conflicts.push(i);
        });
        if (conflicts.length > 0) return { ok: false, conflicts };
        return { ok: true, results: deletes.map((d) => removed.get(d.key) === true) };
      };
      if (!deletes.some((d) => d.ifVersion !== undefined)) {
        return collect((await db.run("delete", (sql) => sql.unsafe(text, params).values())) as Row[]);
      }
      try {
        return await db.transaction("delete", async (tx) => {
          const result = collect((await tx.unsafe(text, params).values()) as Row[]);
          if (!result.ok) throw new Rollback(result);
          return result;
        });
      } catch (error) {
        if (error instanceof Rollback) return error.value as BatchResult<boolean>;
        throw error;
      }
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
      const rows = await db.run("list", (sql) =>
        sql
          .unsafe(`SELECT ${columns} FROM ${t.kv} AS k WHERE ${where.join(" AND ")} ORDER BY k.key LIMIT $${params.length}`, params as never[])
          .values(),
      );
      return (rows as Row[]).map(([key, value, version, expiresAt]) =>
        query.withValues ? { key: String(key), entry: toEntry(value, version, expiresAt) } : { key: String(key) },
      );
    },

    async count(ns, prefix, now) {
      const params: unknown[] = [ns, ms(now)];
      const where = ["k.ns = $1", live("k", "$2")];
      prefixRange(prefix, "k.key", where, params);
      const [row] = await db.run("count", (sql) =>
        sql.unsafe(`SELECT count(*) FROM ${t.kv} AS k WHERE ${where.join(" AND ")}`, params as never[]).values(),
      );
      return Number(row?.[0] ?? 0);
    },

    async clear(ns) {
      await db.run("clear", (sql) => sql.unsafe(`DELETE FROM ${t.kv} WHERE ns = $1`, [ns]));
    },

    async namespaces(now) {
      // A loose index scan: one index probe per namespace, not a scan of every key.
      const rows = await db.run("list namespaces", (sql) =>
        sql
          .unsafe(
            `WITH RECURSIVE n(ns) AS (
               SELECT min(ns) FROM ${t.kv}
               UNION ALL
               SELECT (SELECT min(k.ns) FROM ${t.kv} AS k WHERE k.ns > n.ns) FROM n WHERE n.ns IS NOT NULL
             )
             SELECT n.ns FROM n WHERE n.ns IS NOT NULL
               AND EXISTS (SELECT 1 FROM ${t.kv} AS k WHERE k.ns = n.ns AND ${live("k", "$1")})
             ORDER BY n.ns`,
            [ms(now)],
          )
          .values(),
      );
      return (rows as Row[]).map(([ns]) => String(ns));
    },
  };
}

/** Deletes expired rows in small chunks, skipping rows other sessions hold. Uses the real clock. */
export async function sweepExpired(db: Db, now: number, chunk = 1000, maxChunks = 100): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxChunks; i++) {
    const result = await db.run("sweep", (sql: Sql) =>
      sql.unsafe(
        `DELETE FROM ${db.t.kv} AS t WHERE (t.ns, t.key) IN (
           SELECT ns, key FROM ${db.t.kv} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED
         ) AND t.expires_at <= $1`,
        [ms(now), chunk],
      ),
    );
    total += result.count;
    if (result.count < chunk) break;
  }
  return total;
}
