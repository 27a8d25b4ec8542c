// The reference model of a namespace: a Map and a clock. Written from the documented semantics
// only (never from core or a driver), so the kit can compare a driver against it step by step.

import { byteSorted } from "../assert.ts";

export interface ModelEntry {
  readonly value: number;
  readonly version: number;
  readonly expiresAt: number | null;
}

export type Condition = { readonly kind: "ifVersion"; readonly delta: number } | { readonly kind: "ifAbsent" };

export interface ModelWrite {
  readonly key: string;
  readonly value: number;
  readonly ttlMs?: number;
  readonly cond?: Condition;
}

export class KvModel {
  readonly entries = new Map<string, ModelEntry>();
  now: number;

  constructor(now: number) {
    this.now = now;
  }

  live(key: string): ModelEntry | undefined {
    const e = this.entries.get(key);
    return e && (e.expiresAt === null || e.expiresAt > this.now) ? e : undefined;
  }

  /** The version an ifVersion condition names: the live version (or 1) plus delta, at least 1. */
  conditionVersion(key: string, delta: number): number {
    return Math.max(1, (this.live(key)?.version ?? 1) + delta);
  }

  holds(key: string, cond: Condition | undefined): boolean {
    if (!cond) return true;
    const live = this.live(key);
    if (cond.kind === "ifAbsent") return live === undefined;
    return live !== undefined && live.version === this.conditionVersion(key, cond.delta);
  }

  /** All or nothing: the failing keys, or the new versions. */
  setMany(writes: readonly ModelWrite[]): { ok: true; versions: number[] } | { ok: false; conflicts: string[] } {
    const conflicts = writes.filter((w) => !this.holds(w.key, w.cond)).map((w) => w.key);
    if (conflicts.length > 0) return { ok: false, conflicts };
    const versions = writes.map((w) => {
      const version = (this.live(w.key)?.version ?? 0) + 1;
      this.entries.set(w.key, { value: w.value, version, expiresAt: w.ttlMs === undefined ? null : this.now + w.ttlMs });
      return version;
    });
    return { ok: true, versions };
  }

  /** Deletes the live entries; returns how many there were. */
  deleteMany(keys: readonly string[]): number {
    let removed = 0;
    for (const key of new Set(keys)) {
      if (this.live(key)) removed++;
      this.entries.delete(key);
    }
    return removed;
  }

  /** "ok" with whether it removed a live entry, or "conflict". */
  deleteIfVersion(key: string, version: number): "conflict" | boolean {
    const live = this.live(key);
    if (!live || live.version !== version) return "conflict";
    this.entries.delete(key);
    return true;
  }

  keys(prefix: string): string[] {
    return byteSorted([...this.entries.keys()].filter((k) => k.startsWith(prefix) && this.live(k)));
  }

  /** A batch of deletes, each optionally conditional: all or nothing, like the SPI's deleteMany. */
  deleteManyIf(deletes: readonly { key: string; ifVersion?: number }[]): { ok: true; results: boolean[] } | { ok: false; conflicts: number[] } {
    const conflicts = deletes.flatMap((d, i) => (d.ifVersion !== undefined && this.live(d.key)?.version !== d.ifVersion ? [i] : []));
    if (conflicts.length > 0) return { ok: false, conflicts };
    return {
      ok: true,
      results: deletes.map((d) => {
        const removed = this.live(d.key) !== undefined;
        this.entries.delete(d.key);
        return removed;
      }),
    };
  }
}
