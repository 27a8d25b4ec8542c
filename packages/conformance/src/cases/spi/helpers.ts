// Helpers of the spi/* groups: they call the Driver directly, with values encoded by core's own
// codec and an explicit `now`, and say in plain words which rule of spi.ts a failure breaks.

import type {
  BatchResult,
  EncodedEntry,
  GraphDriver,
  KvDriver,
  KvWrite,
  NodeRecord,
} from "@stowage/core";
import { DEFAULT_MAX_VALUE_BYTES, encodeProps, encodeValue } from "@stowage/core";
import { expect } from "vitest";
import type { CaseContext } from "../../types.ts";

const CODEC = { maxBytes: DEFAULT_MAX_VALUE_BYTES };

/** Core's encoding of a value, exactly what core hands a driver. */
export const enc = (value: unknown): string => encodeValue(value, CODEC);

/** Core's encoding of graph props. */
export const props = (p: Record<string, unknown> = {}): string => encodeProps(p, CODEC);

/**
 * A fresh namespace, the driver's KV part and a `now` frozen one day ahead of real time (so no
 * physical expiry by the real clock can touch what the case writes).
 */
export function spiKv(t: CaseContext): { kv: KvDriver; ns: string; now: number } {
  return { kv: t.driver.kv, ns: t.freshName("kv"), now: t.clock.freeze() };
}

/** A fresh graph and the driver's graph part. */
export function spiGraph(t: CaseContext): { g: GraphDriver; name: string } {
  const g = t.driver.graph;
  if (!g) throw new Error("the driver declares graph: true but has no `graph` part");
  return { g, name: t.freshName("graph") };
}

/** An unconditional write of core's encoding of `value`. */
export function put(
  key: string,
  value: unknown,
  extra: Partial<Omit<KvWrite, "key" | "value">> = {},
): KvWrite {
  return { key, value: enc(value), expiresAt: null, ...extra };
}

/** Expects a successful batch and returns its results. */
export function ok<T>(result: BatchResult<T>, what: string): T[] {
  expect(
    result.ok,
    `${what}: expected { ok: true } but the driver reported conflicts ${JSON.stringify((result as { conflicts?: unknown }).conflicts)}`,
  ).toBe(true);
  return (result as { results: T[] }).results;
}

/** Expects a failed conditional batch with exactly these conflict positions. */
export function conflicts<T>(result: BatchResult<T>, positions: number[], what: string): void {
  expect(
    result.ok,
    `${what}: a failing condition must give { ok: false, conflicts }, got ${JSON.stringify(result)}`,
  ).toBe(false);
  const got = [...(result as { conflicts: number[] }).conflicts].sort((a, b) => a - b);
  expect(got, `${what}: conflicts must list EVERY failing position (and only those)`).toEqual(
    positions,
  );
}

/** Writes and expects success, returning the new versions. */
export async function write(
  kv: KvDriver,
  ns: string,
  writes: KvWrite[],
  now: number,
  what = "setMany",
): Promise<number[]> {
  return ok(await kv.setMany(ns, writes, now), what);
}

/** The live entries of `keys` at `now`, as the driver returns them. */
export async function read(
  kv: KvDriver,
  ns: string,
  keys: string[],
  now: number,
): Promise<(EncodedEntry | undefined)[]> {
  return kv.getMany(ns, keys, now);
}

/** Node records with props decoded to plain JSON (drivers may re-serialise merged props). */
export function nodeView(n: NodeRecord | undefined): unknown {
  return n && { id: n.id, type: n.type, props: JSON.parse(n.props) };
}

export function edgeView(
  e: { from: string; type: string; to: string; props: string } | undefined,
): unknown {
  return e && { from: e.from, type: e.type, to: e.to, props: JSON.parse(e.props) };
}

export const edgeName = (e: { from: string; type: string; to: string }) =>
  `${e.from} -${e.type}-> ${e.to}`;

/** Drops undefined fields (fc.option gives them), so commands print cleanly. */
export const clean = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The entry getMany should return for core's encoding of `value`. */
export const entry = (value: unknown, version: number, expiresAt: number | null = null) => ({
  value: enc(value),
  version,
  expiresAt,
});

type P = Record<string, unknown>;
/** An edge write with core's encoding of `p`. */
export const E = (from: string, type: string, to: string, p: P = {}) => ({
  from,
  type,
  to,
  props: props(p),
});
/** A node write with core's encoding of `p` (type undefined: omitted). */
export const N = (id: string, type: string | null | undefined, p: P = {}) => ({
  id,
  ...(type === undefined ? {} : { type }),
  props: props(p),
});
/** A node as nodeView shows it. */
export const node = (id: string, type: string | null, p: P = {}) => ({ id, type, props: p });
/** An edge as edgeView shows it. */
export const edge = (from: string, type: string, to: string, p: P = {}) => ({
  from,
  type,
  to,
  props: p,
});
