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

/**
 * The listing a cursor belongs to: its kind, the namespace or graph, and the prefix (KV) or type
 * filter (nodes, edges), "" for none.
 */
export interface CursorScope<K extends CursorKind = CursorKind> {
  readonly kind: K;
  readonly name: string;
  readonly filter: string;
}

const CURSOR_TAG: Record<CursorKind, string> = { kv: "k", node: "n", edge: "e" };
const KIND_OF_TAG: Readonly<Record<string, CursorKind>> = { k: "kv", n: "node", e: "edge" };
const WHAT: Record<CursorKind, string> = { kv: "keys of namespace", node: "nodes of graph", edge: "edges of graph" };
const FILTER: Record<CursorKind, string> = { kv: "prefix", node: "type", edge: "type" };
const HASH_CHARS = 7;
const CURSOR_SHAPE = /^[kne][0-9a-z]{7}[A-Za-z0-9_-]+$/;

/** FNV-1a over UTF-16 units, 7 base-36 digits: detects edited or truncated cursors (not a MAC). */
function check(tag: string, text: string): string {
  let h = Math.imul(0x811c9dc5 ^ tag.charCodeAt(0), 0x01000193);
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36).padStart(HASH_CHARS, "0");
}

function describeScope(kind: CursorKind, name: string, filter: string): string {
  return `${WHAT[kind]} "${name}" (${filter === "" ? `no ${FILTER[kind]}` : `${FILTER[kind]} ${JSON.stringify(filter)}`})`;
}

/**
 * Cursors are opaque to callers: a kind letter, a check over the rest, and in base64url the
 * listing's name and filter and the last item's key (edges: the three parts), joined by U+0000,
 * which no key or name contains. A cursor continues only the listing that returned it. Cheap to
 * make and check on every page.
 */
export function encodeCursor<K extends CursorKind>(scope: CursorScope<K>, last: CursorValue<K>): string {
  const key = scope.kind === "edge" ? `${(last as EdgeKey).from}\u0000${(last as EdgeKey).type}\u0000${(last as EdgeKey).to}` : (last as string);
  const text = `${scope.name}\u0000${scope.filter}\u0000${key}`;
  const tag = CURSOR_TAG[scope.kind];
  return tag + check(tag, text) + Buffer.from(text, "utf8").toString("base64url");
}

export function decodeCursor<K extends CursorKind>(cursor: unknown, scope: CursorScope<K>): CursorValue<K> {
  const { kind } = scope;
  const bad = (why: string) => new ValidationError("INVALID_CURSOR", `cursor ${why}: pass a cursor this listing returned, or none to start over`);
  if (typeof cursor !== "string" || !CURSOR_SHAPE.test(cursor)) throw bad("is not a stowage cursor");
  const tag = cursor[0] as string;
  const text = Buffer.from(cursor.slice(1 + HASH_CHARS), "base64url").toString("utf8");
  if (cursor.slice(1, 1 + HASH_CHARS) !== check(tag, text)) throw bad("is corrupted or was edited");
  const parts = text.split("\u0000");
  const from = KIND_OF_TAG[tag] as CursorKind;
  if (parts.length !== (from === "edge" ? 5 : 3)) throw bad("is corrupted or was edited");
  const [name = "", filter = ""] = parts;
  if (from !== kind || name !== scope.name || filter !== scope.filter) {
    throw bad(`came from listing ${describeScope(from, name, filter)}, not ${describeScope(kind, scope.name, scope.filter)}`);
  }
  try {
    if (kind === "edge") return { from: checkKey(parts[2]), type: checkKey(parts[3]), to: checkKey(parts[4]) } as CursorValue<K>;
    return checkKey(parts[2]) as CursorValue<K>;
  } catch {
    throw bad("is corrupted or was edited");
  }
}
