// KV part: one row per (namespace, key) in stowage_kv. Every read filters expired rows with the
// `now` core passes; compare-and-set is a conditional write inside the batch's transaction.

import type { InStatement } from "@libsql/client";
import type { BatchResult, EncodedEntry, KvDelete, KvDriver, KvListItem, KvListQuery, KvWrite } from "@stowage/core";
import { compareUtf8 } from "@stowage/core";
import type { Connection } from "./driver.ts";
import { int, nullableInt, prefixSuccessor, rowsParam, stmt, text } from "./sql.ts";

/** Rows per INSERT statement for unconditional batches (all statements share one transaction). */
const WRITE_CHUNK = 5000;

/** `k` is live at `now` (the parameter `?3` in every statement below). */
const LIVE = "(k.expires_at IS NULL OR k.expires_at > ?3)";

/**
 * The conditions of a batch that do not hold. `?1` = conditions JSON `[[index, key, ifVersion|null], …]`
 * (ifVersion null means ifAbsent), `?2` = namespace, `?3` = now.
 */
const FAILED_CONDITIONS = `
  SELECT c.value ->> 0 AS i
  FROM json_each(?1) AS c
  LEFT JOIN stowage_kv AS k ON k.ns = ?2 AND k.key = c.value ->> 1 AND ${LIVE}
  WHERE CASE WHEN c.value ->> 2 IS NULL THEN k.key IS NOT NULL ELSE k.version IS NOT c.value ->> 2 END`;

/** Inserts `?4` = `[[key, value, expiresAt|null], …]`; an expired row restarts at version 1. */
function insertStatement(guarded: boolean): string {
  return `
  INSERT INTO stowage_kv (ns, key, value, version, expires_at)
  SELECT ?2, w.value ->> 0, w.value ->> 1, 1, w.value ->> 2 FROM json_each(?4) AS w
  WHERE ${guarded ? `NOT EXISTS (${FAILED_CONDITIONS})` : "true"}
  ON CONFLICT (ns, key) DO UPDATE SET
    value = excluded.value,
    expires_at = excluded.expires_at,
    version = CASE WHEN stowage_kv.expires_at IS NOT NULL AND stowage_kv.expires_at <= ?3 THEN 1 ELSE stowage_kv.version + 1 END
  RETURNING key, version`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function entryOf(value: unknown, version: unknown, expiresAt: unknown): EncodedEntry {
  return { value: text(value), version: int(version), expiresAt: nullableInt(expiresAt) };
}

/** Lower and upper key bounds (and their SQL) for a prefix and an exclusive cursor. */
function keyRange(prefix: string, after: string | undefined): { sql: string; args: string[] } {
  const args: string[] = [];
  const parts: string[] = [];
  if (after !== undefined && compareUtf8(after, prefix) >= 0) {
    parts.push("k.key > ?");
    args.push(after);
  } else if (prefix !== "") {
    parts.push("k.key >= ?");
    args.push(prefix);
  }
  const upper = prefix === "" ? undefined : prefixSuccessor(prefix);
  if (upper !== undefined) {
    parts.push("k.key < ?");
    args.push(upper);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(""), args };
}

export function createLibsqlKv(conn: Connection): KvDriver {
  return {
    getMany(ns, keys, now) {
      return conn.use(async (c) => {
        const rs = await c.execute({
          sql: `SELECT k.key, k.value, k.version, k.expires_at FROM json_each(?1) AS q
                CROSS JOIN stowage_kv AS k ON k.ns = ?2 AND k.key = q.value
                WHERE ${LIVE}`,
          args: [rowsParam([...new Set(keys)]), ns, now],
        });
        const found = new Map<string, EncodedEntry>();
        for (const row of rs.rows) found.set(text(row[0]), entryOf(row[1], row[2], row[3]));
        return keys.map((key) => found.get(key));
      });
    },

    setMany(ns, writes: readonly KvWrite[], now): Promise<BatchResult<number>> {
      return conn.use(async (c) => {
        const conditions: [number, string, number | null][] = [];
        writes.forEach((w, i) => {
          if (w.ifVersion !== undefined) conditions.push([i, w.key, w.ifVersion]);
          else if (w.ifAbsent) conditions.push([i, w.key, null]);
        });
        const rows = writes.map((w) => [w.key, w.value, w.expiresAt]);
        const statements: InStatement[] = [];
        if (conditions.length > 0) {
          // Check and write in one transaction: the failed conditions are read first, and the
          // guarded insert writes nothing when any fails. One statement, so it is all-or-nothing.
          const cond = rowsParam(conditions);
          statements.push(stmt(FAILED_CONDITIONS, [cond, ns, now]));
          statements.push(stmt(insertStatement(true), [cond, ns, now, rowsParam(rows)]));
        } else {
          for (const chunk of chunks(rows, WRITE_CHUNK)) {
            statements.push(stmt(insertStatement(false), [null, ns, now, rowsParam(chunk)]));
          }
        }
        const results = await c.batch(statements, "write");
        if (conditions.length > 0) {
          const failed = (results[0]?.rows ?? []).map((r) => int(r[0])).sort((a, b) => a - b);
          if (failed.length > 0) return { ok: false, conflicts: failed };
        }
        const versions = new Map<string, number>();
        for (const rs of conditions.length > 0 ? results.slice(1) : results) {
          for (const row of rs.rows) versions.set(text(row[0]), int(row[1]));
        }
        return { ok: true, results: writes.map((w) => versions.get(w.key) as number) };
      });
    },

    deleteMany(ns, deletes: readonly KvDelete[], now): Promise<BatchResult<boolean>> {
      return conn.use(async (c) => {
        const conditions: [number, string, number][] = [];
        deletes.forEach((d, i) => {
          if (d.ifVersion !== undefined) conditions.push([i, d.key, d.ifVersion]);
        });
        const cond = conditions.length > 0 ? rowsParam(conditions) : null;
        const statements: InStatement[] = [];
        if (cond !== null) statements.push(stmt(FAILED_CONDITIONS, [cond, ns, now]));
        // Expired rows are deleted too (they are garbage), but only live ones count as removed.
        statements.push(
          stmt(
            `DELETE FROM stowage_kv
             WHERE ns = ?2 AND key IN (SELECT value FROM json_each(?4))${cond === null ? "" : ` AND NOT EXISTS (${FAILED_CONDITIONS})`}
             RETURNING key, expires_at IS NULL OR expires_at > ?3`,
            [cond, ns, now, rowsParam(deletes.map((d) => d.key))],
          ),
        );
        const results = await c.batch(statements, "write");
        if (cond !== null) {
          const failed = (results[0]?.rows ?? []).map((r) => int(r[0])).sort((a, b) => a - b);
          if (failed.length > 0) return { ok: false, conflicts: failed };
        }
        const removed = new Set<string>();
        for (const row of results[results.length - 1]?.rows ?? []) if (int(row[1]) === 1) removed.add(text(row[0]));
        return { ok: true, results: deletes.map((d) => removed.has(d.key)) };
      });
    },

    list(ns, query: KvListQuery, now): Promise<KvListItem[]> {
      return conn.use(async (c) => {
        const range = keyRange(query.prefix, query.after);
        const columns = query.withValues ? "k.key, k.value, k.version, k.expires_at" : "k.key";
        const rs = await c.execute({
          sql: `SELECT ${columns} FROM stowage_kv AS k WHERE k.ns = ? AND (k.expires_at IS NULL OR k.expires_at > ?)${range.sql}
                ORDER BY k.key LIMIT ?`,
          args: [ns, now, ...range.args, query.limit],
        });
        return rs.rows.map((row) =>
          query.withValues ? { key: text(row[0]), entry: entryOf(row[1], row[2], row[3]) } : { key: text(row[0]) },
        );
      });
    },

    count(ns, prefix, now) {
      return conn.use(async (c) => {
        const range = keyRange(prefix, undefined);
        const rs = await c.execute({
          sql: `SELECT count(*) FROM stowage_kv AS k WHERE k.ns = ? AND (k.expires_at IS NULL OR k.expires_at > ?)${range.sql}`,
          args: [ns, now, ...range.args],
        });
        return int(rs.rows[0]?.[0] ?? 0);
      });
    },

    clear(ns) {
      return conn.use(async (c) => {
        await c.execute({ sql: "DELETE FROM stowage_kv WHERE ns = ?", args: [ns] });
      });
    },

    namespaces(now) {
      return conn.use(async (c) => {
        const rs = await c.execute({
          sql: "SELECT DISTINCT ns FROM stowage_kv WHERE expires_at IS NULL OR expires_at > ? ORDER BY ns",
          args: [now],
        });
        return rs.rows.map((row) => text(row[0]));
      });
    },
  };
}
