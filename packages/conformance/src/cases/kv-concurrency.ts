// kv/concurrency: many operations in flight at once on one store (one driver, its own pool).

import { expect } from "vitest";
import { pad, range, sleep } from "../assert.ts";

/** An update function that yields for a moment, so concurrent updates really interleave. */
const slowIncrement = async (n: number | undefined) => {
  await sleep(Math.random() * 3);
  return (n ?? 0) + 1;
};
import type { CaseDef } from "../types.ts";

export const kvConcurrency: CaseDef[] = [
  {
    id: "update-increments",
    title: "25 concurrent update() increments of one key lose nothing",
    needs: ["cas"],
    timeoutMs: 60_000,
    async run(t) {
      const kv = t.kv<number>();
      await Promise.all(range(25).map(() => kv.update("counter", slowIncrement)));
      expect(await kv.getEntry("counter")).toMatchObject({ value: 25, version: 25 });
    },
  },
  {
    id: "update-many-keys",
    title: "10 keys × 8 concurrent increments each, interleaved, all land",
    needs: ["cas"],
    timeoutMs: 60_000,
    async run(t) {
      const kv = t.kv<number>();
      const jobs = range(80).map((i) => kv.update(`c${i % 10}`, slowIncrement));
      await Promise.all(jobs);
      expect(await kv.getMany(range(10).map((i) => `c${i}`))).toEqual(range(10).map(() => 8));
    },
  },
  {
    id: "ifabsent-race",
    title: "of 20 concurrent ifAbsent writes of one key exactly one wins",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      const results = await Promise.allSettled(range(20).map((i) => kv.set("lock", i, { ifAbsent: true })));
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won.length).toBe(1);
      expect(results.filter((r) => r.status === "rejected").every((r) => (r.reason as { code?: string }).code === "CONFLICT")).toBe(true);
      const winner = results.findIndex((r) => r.status === "fulfilled");
      expect(await kv.getEntry("lock")).toMatchObject({ value: winner, version: 1 });
    },
  },
  {
    id: "ifversion-race",
    title: "of 20 concurrent writes with the same ifVersion exactly one wins",
    needs: ["cas"],
    async run(t) {
      const kv = t.kv();
      const v = await kv.set("k", "start");
      const results = await Promise.allSettled(range(20).map((i) => kv.set("k", i, { ifVersion: v })));
      expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
      const winner = results.findIndex((r) => r.status === "fulfilled");
      expect(await kv.getEntry("k")).toMatchObject({ value: winner, version: v + 1 });
    },
  },
  {
    id: "blind-writes-versions",
    title: "30 concurrent plain sets of one key: each adds one version, the value is one of them",
    async run(t) {
      const kv = t.kv();
      const versions = await Promise.all(range(30).map((i) => kv.set("k", i)));
      expect([...versions].sort((a, b) => a - b)).toEqual(range(30).map((i) => i + 1));
      const entry = await kv.getEntry("k");
      expect(entry?.version).toBe(30);
      expect(versions[entry?.value as number]).toBe(30);
    },
  },
  {
    id: "delete-race",
    title: "of 20 concurrent deletes of one key exactly one reports the removal",
    async run(t) {
      const kv = t.kv();
      await kv.set("k", 1);
      const results = await Promise.all(range(20).map(() => kv.delete("k")));
      expect(results.filter(Boolean).length).toBe(1);
      expect(await kv.has("k")).toBe(false);
    },
  },
  {
    id: "parallel-distinct",
    title: "100 concurrent writes of distinct keys are all visible",
    async run(t) {
      const kv = t.kv();
      await Promise.all(range(100).map((i) => kv.set(pad(i), i)));
      expect(await kv.count()).toBe(100);
      expect(await kv.getMany(range(100).map((i) => pad(i)))).toEqual(range(100));
    },
  },
  {
    id: "batch-isolation",
    title: "20 concurrent setMany of the same 10 keys: afterwards all 10 hold one batch's value",
    needs: ["atomicBatches"],
    async run(t) {
      const kv = t.kv();
      const keys = range(10).map((i) => `k${i}`);
      await Promise.all(range(20).map((b) => kv.setMany(keys.map((key) => ({ key, value: b })))));
      const values = await kv.getMany(keys);
      expect(new Set(values).size, `mixed batches: ${JSON.stringify(values)}`).toBe(1);
      expect((await kv.getEntries(keys)).every((e) => e?.version === 20)).toBe(true);
    },
  },
  {
    id: "batch-read-consistency",
    title: "reads running beside setMany never see half a batch",
    needs: ["atomicBatches"],
    timeoutMs: 60_000,
    async run(t) {
      const kv = t.kv();
      const keys = range(8).map((i) => `k${i}`);
      await kv.setMany(keys.map((key) => ({ key, value: 0 })));
      const torn: unknown[][] = [];
      let writing = true;
      const writer = (async () => {
        try {
          for (let round = 1; round <= 40; round++) await kv.setMany(keys.map((key) => ({ key, value: round })));
        } finally {
          writing = false;
        }
      })();
      const reader = async () => {
        while (writing) {
          const values = await kv.getMany(keys);
          if (new Set(values).size !== 1) torn.push(values);
        }
      };
      await Promise.all([writer, reader(), reader()]);
      expect(torn, "a read saw a batch half applied").toEqual([]);
      expect(await kv.getMany(keys)).toEqual(keys.map(() => 40));
    },
  },
  {
    id: "list-during-writes",
    title: "listing while other keys are written and deleted never repeats a key or drops a stable one",
    async run(t) {
      const kv = t.kv();
      const stable = range(200).map((i) => `s${pad(i)}`);
      await kv.setMany(stable.map((key) => ({ key, value: 1 })));
      let churning = true;
      const churn = (async () => {
        for (let i = 0; churning && i < 500; i++) {
          await kv.set(`s${pad(i % 200)}x`, i);
          if (i % 2) await kv.delete(`s${pad((i - 1) % 200)}x`);
        }
      })();
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await kv.list({ limit: 7, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      churning = false;
      await churn;
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((k) => !k.endsWith("x"))).toEqual(stable);
    },
  },
];
