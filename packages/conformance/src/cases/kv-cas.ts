// kv/cas: ifVersion / ifAbsent conditions and update(), which is built on them.

import { expect } from "vitest";
import { expectError, range } from "../assert.ts";
import type { CaseDef } from "../types.ts";

export const kvCas: CaseDef[] = [
  {
    id: "ifversion-match",
    title: "set with the current ifVersion writes and returns version + 1",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      const v1 = await kv.set("k", "a");
      const v2 = await kv.set("k", "b", { ifVersion: v1 });
      expect(v2).toBe(v1 + 1);
      expect(await kv.set("k", "c", { ifVersion: v2 })).toBe(3);
      expect(await kv.getEntry("k")).toMatchObject({ value: "c", version: 3 });
    },
  },
  {
    id: "ifversion-mismatch",
    title: "set with a stale or future ifVersion throws ConflictError naming the key; value and version unchanged",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      await kv.set("k", "a");
      await kv.set("k", "b");
      for (const ifVersion of [1, 3, 99, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
        const error = await expectError(() => kv.set("k", "x", { ifVersion }), "CONFLICT");
        expect(error.keys).toEqual(["k"]);
      }
      expect(await kv.getEntry("k")).toMatchObject({ value: "b", version: 2 });
    },
  },
  {
    id: "ifversion-missing",
    title: "set with ifVersion on a missing key conflicts and creates nothing",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      await expectError(() => kv.set("k", "x", { ifVersion: 1 }), "CONFLICT");
      expect(await kv.has("k")).toBe(false);
      expect(await kv.count()).toBe(0);
    },
  },
  {
    id: "ifabsent",
    title: "ifAbsent creates a missing key at version 1 and conflicts on an existing one, keeping it",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      expect(await kv.set("k", "first", { ifAbsent: true })).toBe(1);
      const error = await expectError(() => kv.set("k", "second", { ifAbsent: true }), "CONFLICT");
      expect(error.keys).toEqual(["k"]);
      expect(await kv.getEntry("k")).toMatchObject({ value: "first", version: 1 });
      await kv.delete("k");
      expect(await kv.set("k", "third", { ifAbsent: true })).toBe(1);
    },
  },
  {
    id: "delete-ifversion",
    title: "delete with ifVersion removes on a match and throws ConflictError (keeping the entry) otherwise",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      await kv.set("k", "a");
      await kv.set("k", "b");
      await expectError(() => kv.delete("k", { ifVersion: 1 }), "CONFLICT");
      expect(await kv.getEntry("k")).toMatchObject({ value: "b", version: 2 });
      expect(await kv.delete("k", { ifVersion: 2 })).toBe(true);
      expect(await kv.has("k")).toBe(false);
      await expectError(() => kv.delete("k", { ifVersion: 2 }), "CONFLICT");
    },
  },
  {
    id: "version-after-delete",
    title: "after delete, ifVersion with the old version conflicts and ifAbsent succeeds at version 1",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      await kv.set("k", 1);
      const v = await kv.set("k", 2);
      await kv.delete("k");
      await expectError(() => kv.set("k", 3, { ifVersion: v }), "CONFLICT");
      expect(await kv.set("k", 4, { ifAbsent: true })).toBe(1);
      expect(await kv.set("k", 5, { ifVersion: 1 })).toBe(2);
    },
  },
  {
    id: "update-create",
    title: "update on a missing key calls fn(undefined, undefined) and creates it at version 1",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv<{ n: number }>();
      const calls: unknown[][] = [];
      const entry = await kv.update("k", (value, current) => {
        calls.push([value, current]);
        return { n: 1 };
      });
      expect(calls).toEqual([[undefined, undefined]]);
      expect(entry).toEqual({ key: "k", value: { n: 1 }, version: 1, expiresAt: null });
      expect(await kv.getEntry("k")).toEqual(entry);
    },
  },
  {
    id: "update-existing",
    title: "update passes the current value and entry and writes the result at version + 1",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv<{ n: number }>();
      await kv.set("k", { n: 1 });
      await kv.set("k", { n: 2 });
      const entry = await kv.update("k", async (value, current) => {
        expect(current).toMatchObject({ key: "k", version: 2 });
        return { n: (value?.n ?? 0) * 10 };
      });
      expect(entry).toMatchObject({ value: { n: 20 }, version: 3 });
      expect(await kv.get("k")).toEqual({ n: 20 });
    },
  },
  {
    id: "update-retries",
    title: "update retries when the key changes between its read and its write, and loses no write",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv<number>();
      await kv.set("k", 1);
      let calls = 0;
      const entry = await kv.update("k", async (n) => {
        calls++;
        if (calls === 1) await kv.set("k", 100); // a concurrent writer wins the first round
        return (n ?? 0) + 1;
      });
      expect(calls).toBe(2);
      expect(entry).toMatchObject({ value: 101, version: 3 });
      expect(await kv.get("k")).toBe(101);
    },
  },
  {
    id: "update-gives-up",
    title: "update throws ConflictError after maxAttempts conflicting rounds, leaving the last competing write",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv<number>();
      await kv.set("k", 0);
      let round = 0;
      await expectError(
        () =>
          kv.update(
            "k",
            async () => {
              round++;
              await kv.set("k", -round);
              return 1000;
            },
            { maxAttempts: 3 },
          ),
        "CONFLICT",
      );
      expect(round).toBe(3);
      expect(await kv.getEntry("k")).toMatchObject({ value: -3, version: 4 });
    },
  },
  {
    id: "setmany-conflict-keys",
    title: "a conditional setMany reports every failing key and writes none",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      await kv.setMany([
        { key: "a", value: 1 },
        { key: "b", value: 1 },
        { key: "c", value: 1 },
      ]);
      const error = await expectError(
        () =>
          kv.setMany([
            { key: "a", value: 2, ifVersion: 1 },
            { key: "b", value: 2, ifVersion: 5 },
            { key: "c", value: 2, ifAbsent: true },
            { key: "d", value: 2, ifAbsent: true },
          ]),
        "CONFLICT",
      );
      expect([...(error.keys ?? [])].sort()).toEqual(["b", "c"]);
      expect(await kv.getEntries(["a", "b", "c", "d"])).toEqual([
        { key: "a", value: 1, version: 1, expiresAt: null },
        { key: "b", value: 1, version: 1, expiresAt: null },
        { key: "c", value: 1, version: 1, expiresAt: null },
        undefined,
      ]);
    },
  },
  {
    id: "setmany-conditions-ok",
    title: "a setMany whose conditions all hold writes every item with the right versions",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      await kv.set("a", 1);
      await kv.set("a", 2);
      expect(
        await kv.setMany([
          { key: "a", value: 3, ifVersion: 2 },
          { key: "b", value: 3, ifAbsent: true },
          { key: "c", value: 3 },
        ]),
      ).toEqual([3, 1, 1]);
      expect(await kv.getMany(["a", "b", "c"])).toEqual([3, 3, 3]);
    },
  },
  {
    id: "invalid-conditions",
    title: "ifVersion that is not a positive integer, or together with ifAbsent, throws ValidationError",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      await kv.set("k", 1);
      for (const ifVersion of [0, -1, 1.5, Number.NaN, "1" as unknown as number]) {
        await expectError(() => kv.set("k", 2, { ifVersion }), "VALIDATION", "INVALID_OPTION");
        await expectError(() => kv.delete("k", { ifVersion }), "VALIDATION", "INVALID_OPTION");
      }
      await expectError(() => kv.set("k", 2, { ifVersion: 1, ifAbsent: true }), "VALIDATION", "INVALID_OPTION");
      expect(await kv.getEntry("k")).toMatchObject({ value: 1, version: 1 });
    },
  },
  {
    id: "versions-per-key",
    title: "versions count writes per key: set, setMany and update each add exactly one",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv<number>();
      await kv.set("k", 0);
      await kv.setMany([{ key: "k", value: 1 }, { key: "other", value: 1 }]);
      await kv.update("k", (n) => (n ?? 0) + 1);
      await kv.set("k", 3, { ifVersion: 3 });
      for (const _ of range(3)) await kv.update("k", (n) => (n ?? 0) + 1);
      expect(await kv.getEntry("k")).toMatchObject({ value: 6, version: 7 });
      expect((await kv.getEntry("other"))?.version).toBe(1);
    },
  },
  {
    id: "unsupported-without-cas",
    title: "a driver without cas throws UnsupportedError for ifVersion, ifAbsent and update",
    without: "cas",
    async run(t) {
      const kv = t.kv();
      await kv.set("k", 1);
      await expectError(() => kv.set("k", 2, { ifVersion: 1 }), "UNSUPPORTED");
      await expectError(() => kv.set("k", 2, { ifAbsent: true }), "UNSUPPORTED");
      await expectError(() => kv.update("k", () => 2), "UNSUPPORTED");
      expect(await kv.get("k")).toBe(1);
    },
  },
];
