// Small helpers shared by the cases. Errors are recognised by their stable `code` / `reason`
// (not `instanceof`), so a driver built against another copy of core is judged the same.

import { expect } from "vitest";
import type { KV } from "@stowage/core";

export type ErrorCode = "VALIDATION" | "CONFLICT" | "UNAVAILABLE" | "UNSUPPORTED" | "CLOSED" | "DRIVER";

export interface KitError extends Error {
  code?: string;
  reason?: string;
  keys?: readonly string[];
  retryable?: boolean;
}

/** Calls `fn` and expects a stowage error with this code (and validation reason). */
export async function expectError(fn: () => unknown, code: ErrorCode, reason?: string): Promise<KitError> {
  let result: unknown;
  try {
    result = await fn();
  } catch (error) {
    const e = error as KitError;
    if (e?.code !== code || (reason !== undefined && e.reason !== reason)) {
      const got = e instanceof Error ? `${e.name} code=${e.code} reason=${e.reason}: ${e.message}` : String(e);
      throw new Error(`expected a ${code}${reason ? `/${reason}` : ""} error, got ${got}`, { cause: error });
    }
    return e;
  }
  throw new Error(`expected a ${code}${reason ? `/${reason}` : ""} error, but the call returned ${preview(result)}`);
}

function preview(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
    return text === undefined ? String(value) : text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(value);
  }
}

/** Sorts by UTF-8 bytes, independently of core's comparator. */
export function byteSorted(keys: Iterable<string>): string[] {
  return [...keys].sort(byteCompare);
}

export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function edgeCompare(a: { from: string; type: string; to: string }, b: { from: string; type: string; to: string }): number {
  return byteCompare(a.from, b.from) || byteCompare(a.type, b.type) || byteCompare(a.to, b.to);
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * Walks every page of `kv.list` and checks the page contract on the way: no page over the limit,
 * a cursor exactly when the page is full. Returns the keys and the number of pages.
 */
export async function listAll(kv: KV<unknown>, options: { prefix?: string; limit: number }): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await kv.list({ ...options, ...(cursor === undefined ? {} : { cursor }) });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(options.limit);
    if (page.items.length < options.limit) expect(page.cursor).toBeUndefined();
    else expect(typeof page.cursor).toBe("string");
    keys.push(...page.items);
    cursor = page.cursor;
    if (pages > 100_000) throw new Error("list never ends: the cursor does not advance");
  } while (cursor !== undefined);
  return { keys, pages };
}

/** Expects no key twice. */
export function expectUnique(keys: readonly string[]): void {
  const seen = new Set<string>();
  const dupes: string[] = [];
  for (const k of keys) {
    if (seen.has(k)) dupes.push(k);
    seen.add(k);
  }
  expect(dupes, "keys listed twice").toEqual([]);
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Zero-padded numeric key, so byte order equals numeric order. */
export function pad(i: number, width = 5): string {
  return String(i).padStart(width, "0");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it succeeded. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** A deterministic shuffle (the cases must be reproducible). */
export function shuffled<T>(items: readonly T[], seed = 42): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
