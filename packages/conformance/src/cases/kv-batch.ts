// kv/batch: setMany / deleteMany are all or nothing, and large batches work.

import { expect } from "vitest";
import { expectError, pad, range } from "../assert.ts";
import type { CaseDef } from "../types.ts";

export const kvBatch: CaseDef[] = [
  {
    id: "atomic-ifversion",
    title: "setMany where the last item's ifVersion fails writes none of the earlier items",
    needs: ["cas", "atomicBatches"],
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(5).map((i) => ({ key: `k${i}`, value: "old" })));
      await expectError(
        () => kv.setMany([...range(5).map((i) => ({ key: `k${i}`, value: "new" })), { key: "k0x", value: "new", ifVersion: 1 }]),
        "CONFLICT",
      );
      expect(await kv.getMany(range(5).map((i) => `k${i}`))).toEqual(range(5).map(() => "old"));
      expect((await kv.getEntries(["k0", "k4"])).map((e) => e?.version)).toEqual([1, 1]);
      expect(await kv.has("k0x")).toBe(false);
      expect(await kv.count()).toBe(5);
    },
  },
  {
    id: "atomic-ifabsent",
    title: "setMany where the first item's ifAbsent fails writes none of the later items",
    needs: ["cas", "atomicBatches"],
    async run(t) {
      const kv = t.kv();
      await kv.set("taken", "old");
      await expectError(
        () => kv.setMany([{ key: "taken", value: "new", ifAbsent: true }, ...range(5).map((i) => ({ key: `n${i}`, value: i }))]),
        "CONFLICT",
      );
      expect(await kv.getEntry("taken")).toMatchObject({ value: "old", version: 1 });
      expect(await kv.count()).toBe(1);
      expect((await kv.list()).items).toEqual(["taken"]);
    },
  },
  {
    id: "atomic-middle",
    title: "setMany with a conflict in the middle of new and existing keys changes nothing, not even versions",
    needs: ["cas", "atomicBatches"],
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(10).map((i) => ({ key: pad(i, 2), value: i })));
      await expectError(
        () =>
          kv.setMany(
            range(20).map((i) => ({ key: pad(i, 2), value: -i, ...(i === 10 ? { ifVersion: 7 } : {}), ...(i === 3 ? { ifVersion: 1 } : {}) })),
          ),
        "CONFLICT",
      );
      const entries = await kv.getEntries(range(20).map((i) => pad(i, 2)));
      expect(entries.map((e) => e?.value)).toEqual([...range(10), ...range(10).map(() => undefined)]);
      expect(entries.slice(0, 10).every((e) => e?.version === 1)).toBe(true);
    },
  },
  {
    id: "atomic-delete-ifversion",
    title: "a failed conditional delete removes nothing",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      await kv.set("k", 1);
      await kv.set("k", 2);
      await expectError(() => kv.delete("k", { ifVersion: 1 }), "CONFLICT");
      expect(await kv.getEntry("k")).toMatchObject({ value: 2, version: 2 });
    },
  },
  {
    id: "invalid-value",
    title: "setMany with one invalid value throws ValidationError and writes none of the batch",
    async run(t) {
      const kv = t.kv();
      await kv.set("a", "old");
      await expectError(
        () =>
          kv.setMany([
            { key: "a", value: "new" },
            { key: "b", value: "new" },
            { key: "c", value: () => "function" },
          ]),
        "VALIDATION",
        "INVALID_VALUE",
      );
      expect(await kv.getMany(["a", "b", "c"])).toEqual(["old", undefined, undefined]);
      expect((await kv.getEntry("a"))?.version).toBe(1);
    },
  },
  {
    id: "invalid-key",
    title: "setMany with one invalid key throws ValidationError and writes none of the batch",
    async run(t) {
      const kv = t.kv();
      await expectError(
        () =>
          kv.setMany([
            { key: "a", value: 1 },
            { key: "", value: 2 },
            { key: "c", value: 3 },
          ]),
        "VALIDATION",
        "INVALID_KEY",
      );
      expect(await kv.count()).toBe(0);
    },
  },
  {
    id: "duplicate-keys",
    title: "setMany with the same key twice throws ValidationError and writes nothing",
    async run(t) {
      const kv = t.kv();
      await expectError(
        () =>
          kv.setMany([
            { key: "a", value: 1 },
            { key: "b", value: 2 },
            { key: "a", value: 3 },
          ]),
        "VALIDATION",
        "INVALID_KEY",
      );
      expect(await kv.count()).toBe(0);
    },
  },
  {
    id: "mixed-batch",
    title: "a batch mixing new keys, overwrites, expiries and conditions returns versions in input order",
    needs: ["cas", "ttl"],
    async run(t) {
      const kv = t.kv();
      await kv.set("old", 0);
      await kv.set("old", 0);
      const versions = await kv.setMany([
        { key: "new1", value: 1, ttlMs: 60_000 },
        { key: "old", value: 2, ifVersion: 2 },
        { key: "new2", value: 3, ifAbsent: true, ttlMs: 60_000 },
        { key: "new3", value: 4 },
      ]);
      expect(versions).toEqual([1, 3, 1, 1]);
      expect(await kv.getMany(["new1", "old", "new2", "new3"])).toEqual([1, 2, 3, 4]);
      expect((await kv.getEntry("new3"))?.expiresAt).toBeNull();
      expect((await kv.getEntry("new2"))?.expiresAt).toBeTypeOf("number");
    },
  },
  {
    id: "large-batches",
    title: "20,000 entries in one setMany, getMany and deleteMany (no parameter or argument limits)",
    timeoutMs: 90_000,
    async run(t) {
      const kv = t.kv();
      const keys = range(20_000).map((i) => `bulk:${pad(i)}`);
      const versions = await kv.setMany(keys.map((key, i) => ({ key, value: i })));
      expect(versions.length).toBe(20_000);
      expect(versions.every((v) => v === 1)).toBe(true);
      expect(await kv.count()).toBe(20_000);
      const values = await kv.getMany(keys);
      expect(values.every((v, i) => v === i)).toBe(true);
      expect((await kv.list({ limit: 10_000 })).items.length).toBe(10_000);
      expect(await kv.deleteMany(keys.slice(0, 19_990))).toBe(19_990);
      expect((await kv.list()).items).toEqual(keys.slice(19_990));
    },
  },
  {
    id: "large-values-batch",
    title: "a batch of 20 values of 100 KB each round-trips",
    timeoutMs: 60_000,
    async run(t) {
      const kv = t.kv();
      const items = range(20).map((i) => ({ key: `v${i}`, value: String.fromCharCode(97 + i).repeat(100_000) }));
      await kv.setMany(items);
      const values = await kv.getMany(items.map((i) => i.key));
      expect(values.map((v) => (v as string).length)).toEqual(items.map(() => 100_000));
      expect(values.every((v, i) => v === items[i]?.value)).toBe(true);
    },
  },
  {
    id: "deletemany-scattered",
    title: "deleteMany of 200 scattered keys removes exactly those and keeps the 100 between them",
    async run(t) {
      const kv = t.kv();
      await kv.setMany(range(300).map((i) => ({ key: pad(i), value: i })));
      const doomed = range(300).filter((i) => i % 3 !== 0).map((i) => pad(i));
      expect(await kv.deleteMany(doomed)).toBe(200);
      expect(await kv.count()).toBe(100);
      expect((await kv.list({ limit: 1000 })).items).toEqual(range(300).filter((i) => i % 3 === 0).map((i) => pad(i)));
    },
  },
];
