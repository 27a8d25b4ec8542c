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

/** Cursors are opaque to callers: base64url JSON of the last item's key. */
export function encodeCursor<K extends CursorKind>(kind: K, last: CursorValue<K>): string {
  const payload = kind === "edge" ? [kind, (last as EdgeKey).from, (last as EdgeKey).type, (last as EdgeKey).to] : [kind, last];
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

export function decodeCursor<K extends CursorKind>(cursor: unknown, kind: K): CursorValue<K> {
  const bad = () => new ValidationError("INVALID_CURSOR", "cursor is not one this listing returned");
  if (typeof cursor !== "string" || cursor.length === 0 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind) throw bad();
  try {
    if (kind === "edge") {
      if (parsed.length !== 4) throw bad();
      return { from: checkKey(parsed[1]), type: checkKey(parsed[2]), to: checkKey(parsed[3]) } as CursorValue<K>;
    }
    if (parsed.length !== 2) throw bad();
    return checkKey(parsed[1]) as CursorValue<K>;
  } catch {
    throw bad();
  }
}
