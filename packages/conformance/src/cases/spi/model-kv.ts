// spi/model: the model-based random tests at the SPI (this file: KV; model-graph.ts: graphs). fast-check command sequences run against
// the driver's KvDriver / GraphDriver directly and against the kit's reference models, compared
// after every step — batches of several ids, conditional deletes, explicit `now` on expiry
// boundaries, `after` cursors and limits that core's public API never sends in these shapes.

import type { KvDriver } from "@stowage/core";
import fc from "fast-check";
import { expect } from "vitest";
import { byteCompare } from "../../assert.ts";
import { type Condition, KvModel } from "../../model/kv-model.ts";
import type { CaseDef } from "../../types.ts";
import { runParameters, stepError } from "../model.ts";
import { clean, enc } from "./helpers.ts";

const KEYS = ["a", "ab", "b", "A", "\uFFFD", "😀", "%"];
const AFTER = [undefined, "", "a", "aa", "b", "\uFFFF", "😀"];
const PREFIXES = ["", "a", "b", "%", "😀"];

interface SpiWrite {
  key: string;
  value: number;
  ttlMs?: number;
  cond?: Condition;
}

type KvCommand =
  | { op: "setMany"; writes: SpiWrite[] }
  | { op: "deleteMany"; deletes: { key: string; delta?: number }[] }
  | { op: "getMany"; keys: string[] }
  | { op: "list"; prefix: string; after?: string; limit: number; withValues: boolean }
  | { op: "count"; prefix: string }
  | { op: "namespaces" }
  | { op: "advance"; ms: number };

function kvCommands(caps: { ttl: boolean; cas: boolean }): fc.Arbitrary<KvCommand[]> {
  const key = fc.constantFrom(...KEYS);
  const cond: fc.Arbitrary<Condition | undefined> = caps.cas
    ? fc.option(
        fc.oneof(
          fc.record({
            kind: fc.constant("ifVersion" as const),
            delta: fc.integer({ min: -1, max: 1 }),
          }),
          fc.constant({ kind: "ifAbsent" as const }),
        ),
        { nil: undefined, freq: 2 },
      )
    : fc.constant(undefined);
  const ttl = caps.ttl
    ? fc.option(fc.constantFrom(1, 1000, 2000), { nil: undefined })
    : fc.constant(undefined);
  const writes = fc.uniqueArray(
    fc.record({ key, value: fc.integer({ min: 0, max: 99 }), ttlMs: ttl, cond }).map(clean),
    { minLength: 1, maxLength: 4, selector: (w) => w.key },
  );
  const delta = caps.cas
    ? fc.option(fc.integer({ min: -1, max: 1 }), { nil: undefined, freq: 2 })
    : fc.constant(undefined);
  const commands: fc.Arbitrary<KvCommand>[] = [
    fc.record({ op: fc.constant("setMany" as const), writes }),
    fc.record({
      op: fc.constant("deleteMany" as const),
      deletes: fc.uniqueArray(fc.record({ key, delta }).map(clean), {
        minLength: 1,
        maxLength: 3,
        selector: (d) => d.key,
      }),
    }),
    fc.record({
      op: fc.constant("getMany" as const),
      keys: fc.array(key, { minLength: 1, maxLength: 5 }),
    }),
    fc
      .record({
        op: fc.constant("list" as const),
        prefix: fc.constantFrom(...PREFIXES),
        after: fc.constantFrom(...AFTER),
        limit: fc.integer({ min: 1, max: 4 }),
        withValues: fc.boolean(),
      })
      .map(clean),
    fc.record({ op: fc.constant("count" as const), prefix: fc.constantFrom(...PREFIXES) }),
    fc.constant({ op: "namespaces" as const }),
  ];
  if (caps.ttl)
    commands.push(
      fc.record({
        op: fc.constant("advance" as const),
        ms: fc.constantFrom(0, 1, 999, 1000, 1001),
      }),
    );
  return fc.array(fc.oneof(...commands), { minLength: 1, maxLength: 40, size: "max" });
}

async function kvStep(kv: KvDriver, ns: string, m: KvModel, c: KvCommand): Promise<void> {
  const now = m.now;
  const entryOf = (k: string) => {
    const e = m.live(k);
    return e && { value: enc(e.value), version: e.version, expiresAt: e.expiresAt };
  };
  switch (c.op) {
    case "setMany": {
      const writes = c.writes.map((w) => ({
        key: w.key,
        value: enc(w.value),
        expiresAt: w.ttlMs === undefined ? null : now + w.ttlMs,
        ...(w.cond?.kind === "ifAbsent" ? { ifAbsent: true } : {}),
        ...(w.cond?.kind === "ifVersion"
          ? { ifVersion: m.conditionVersion(w.key, w.cond.delta) }
          : {}),
      }));
      const failing = c.writes.flatMap((w, i) => (m.holds(w.key, w.cond) ? [] : [i]));
      const want = m.setMany(c.writes);
      const got = await kv.setMany(ns, writes, now);
      const norm = got.ok
        ? got
        : { ok: false, conflicts: [...got.conflicts].sort((a, b) => a - b) };
      expect(norm, "setMany: new versions, or every conflict position").toEqual(
        want.ok ? { ok: true, results: want.versions } : { ok: false, conflicts: failing },
      );
      return;
    }
    case "deleteMany": {
      const deletes = c.deletes.map((d) => ({
        key: d.key,
        ...(d.delta === undefined ? {} : { ifVersion: m.conditionVersion(d.key, d.delta) }),
      }));
      const want = m.deleteManyIf(deletes);
      const got = await kv.deleteMany(ns, deletes, now);
      const norm = got.ok
        ? got
        : { ok: false, conflicts: [...got.conflicts].sort((a, b) => a - b) };
      expect(norm, "deleteMany: removals, or every conflict position").toEqual(want);
      return;
    }
    case "getMany":
      expect(await kv.getMany(ns, c.keys, now), "getMany").toEqual(c.keys.map(entryOf));
      return;
    case "list": {
      const got = await kv.list(
        ns,
        {
          prefix: c.prefix,
          limit: c.limit,
          withValues: c.withValues,
          ...(c.after === undefined ? {} : { after: c.after }),
        },
        now,
      );
      const after = c.after;
      const keys = m
        .keys(c.prefix)
        .filter((k) => after === undefined || byteCompare(k, after) > 0)
        .slice(0, c.limit);
      expect(
        got.map((i) => i.key),
        "list keys",
      ).toEqual(keys);
      if (c.withValues)
        expect(
          got.map((i) => i.entry),
          "list entries",
        ).toEqual(keys.map(entryOf));
      return;
    }
    case "count":
      expect(await kv.count(ns, c.prefix, now), "count").toBe(m.keys(c.prefix).length);
      return;
    case "namespaces":
      expect(
        (await kv.namespaces(now)).includes(ns),
        "namespaces() lists the namespace exactly when it holds a live entry",
      ).toBe(m.keys("").length > 0);
      return;
    case "advance":
      m.now += c.ms;
      return;
  }
}

export const spiModelKvCase: CaseDef = {
  id: "kv",
  title:
    "random KvDriver command sequences (explicit now on expiry boundaries, conditional deletes, after) match the reference model",
  timeoutMs: 180_000,
  async run(t) {
    const kv = t.driver.kv;
    const ns = t.freshName("kv");
    let base = t.clock.freeze();
    await fc.assert(
      fc.asyncProperty(kvCommands(t.capabilities), async (commands) => {
        await kv.clear(ns);
        base += 100_000; // every run starts later than anything the previous one wrote
        const model = new KvModel(base);
        for (const [i, command] of commands.entries()) {
          try {
            await kvStep(kv, ns, model, command);
          } catch (error) {
            throw stepError(i, { now: model.now - base, ...command }, error);
          }
        }
      }),
      runParameters(),
    );
  },
};
