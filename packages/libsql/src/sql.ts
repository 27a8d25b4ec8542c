// Small helpers shared by the KV and graph parts.

import type { InStatement, InValue, Row } from "@libsql/client";

/**
 * Rows travel as one JSON array per statement (`json_each(?)`): one bind variable whatever the
 * batch size, so SQLite's bind-variable limit never applies, and one statement per batch is
 * several times faster than a `batch()` of per-row statements.
 */
export function rowsParam(rows: readonly unknown[]): string {
  return JSON.stringify(rows);
}

export function text(value: unknown): string {
  return String(value);
}

export function int(value: unknown): number {
  return Number(value);
}

export function nullableInt(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function col(row: Row, index: number): unknown {
  return row[index];
}

/**
 * The smallest string greater than every string starting with `prefix`, in code-point order
 * (= UTF-8 byte order = SQLite BINARY): the prefix with its last code point incremented
 * (dropping trailing U+10FFFF). undefined when there is no such string.
 * Used as `key >= prefix AND key < successor`, an index range (LIKE would be case-insensitive
 * and treat % and _ as wildcards).
 */
export function prefixSuccessor(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    const last = points.pop() as number;
    if (last < 0x10ffff) {
      // Skip the surrogate range: no code point lies in it, and U+E000 follows U+D7FF.
      points.push(last === 0xd7ff ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}

/**
 * A statement with numbered parameters (`?1`, `?2`, …), its arguments trimmed to the highest one
 * the SQL uses: optional filters leave trailing arguments unused, and remote servers may reject
 * extra ones.
 */
export function stmt(sql: string, args: readonly InValue[]): InStatement {
  let highest = 0;
  for (const match of sql.matchAll(/\?(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  return { sql, args: args.slice(0, highest) };
}
