// Option checks and opaque cursors shared by the KV and graph views.

import { ValidationError } from "./errors.ts";
import type { Direction, EdgeKey } from "./spi.ts";
import { checkKey, describe } from "./validate.ts";

export function checkDirection(direction: unknown): Direction {
  if (direction === undefined) return "out";
  if (direction !== "out" && direction !== "in" && direction !== "both") {
    throw new ValidationError("INVALID_OPTION", `direction must be "out", "in" or "both", got ${describe(direction)}`);
  }
  return direction;
}

/** Edge type filter: undefined for all types; otherwise a non-empty list of valid types. */
export function checkTypes(types: unknown): string[] | undefined {
  if (types === undefined) return undefined;
  if (!Array.isArray(types) || types.length === 0) {
    throw new ValidationError("INVALID_OPTION", "types must be a non-empty array of edge types (omit it for every type)");
  }
  return [...new Set(types.map((t) => checkKey(t, "edge type")))];
}

type CursorKind = "kv" | "node" | "edge";
type CursorValue<K extends CursorKind> = K extends "edge" ? EdgeKey : string;

const CURSOR_TAG: Record<CursorKind, string> = { kv: "k", node: "n", edge: "e" };

/**
 * Cursors are opaque to callers: a kind letter and the last item's key in base64url (edges: the
 * three parts joined by U+0000, which no key contains). Cheap to make and check on every page.
 */
export function encodeCursor<K extends CursorKind>(kind: K, last: CursorValue<K>): string {
  const text = kind === "edge" ? `${(last as EdgeKey).from}\u0000${(last as EdgeKey).type}\u0000${(last as EdgeKey).to}` : (last as string);
  return CURSOR_TAG[kind] + Buffer.from(text, "utf8").toString("base64url");
}

export function decodeCursor<K extends CursorKind>(cursor: unknown, kind: K): CursorValue<K> {
  const bad = () => new ValidationError("INVALID_CURSOR", "cursor is not one this listing returned");
  if (typeof cursor !== "string" || cursor.length < 2 || cursor[0] !== CURSOR_TAG[kind] || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  const text = Buffer.from(cursor.slice(1), "base64url").toString("utf8");
  try {
    if (kind === "edge") {
      const parts = text.split("\u0000");
      if (parts.length !== 3) throw bad();
      return { from: checkKey(parts[0]), type: checkKey(parts[1]), to: checkKey(parts[2]) } as CursorValue<K>;
    }
    return checkKey(text) as CursorValue<K>;
  } catch {
    throw bad();
  }
}
