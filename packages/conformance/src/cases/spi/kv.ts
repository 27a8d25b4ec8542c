// spi/kv: every sentence of KvDriver's doc comments, called on the driver itself (not through
// core), with core's encoded values and an explicit `now`.

import { expect } from "vitest";
import type { CaseDef } from "../../types.ts";
import { conflicts, enc, entry, ok, put, read, spiKv, write } from "./helpers.ts";

export const spiKvCases: CaseDef[] = [
  {
    id: "get-many-order",
    title: "getMany: entries in input order, keys may repeat, undefined where missing",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("b", "B"), put("a", "A"), put("c", { c: 1 })], now);
      const got = await read(kv, ns, ["c", "missing", "a", "c", "b", "a"], now);
      expect(
        got,
        "getMany must answer position by position, in input order, repeats included",
      ).toEqual([
        entry({ c: 1 }, 1),
        undefined,
        entry("A", 1),
        entry({ c: 1 }, 1),
        entry("B", 1),
        entry("A", 1),
      ]);
      expect(await read(kv, ns, ["x", "y"], now), "getMany of keys never written").toEqual([
        undefined,
        undefined,
      ]);
      expect(
        await read(kv, t.freshName("kv"), ["a"], now),
        "getMany in a namespace never written",
      ).toEqual([undefined]);
    },
  },
  {
    id: "get-many-shape",
    title:
      "getMany: an entry carries exactly value, version and expiresAt (null or the epoch ms given)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(
        kv,
        ns,
        [put("plain", [1, "x"]), put("timed", true, { expiresAt: now + 123_457 })],
        now,
      );
      const [plain, timed] = await read(kv, ns, ["plain", "timed"], now);
      expect(plain, "an entry written without expiry").toEqual({
        value: enc([1, "x"]),
        version: 1,
        expiresAt: null,
      });
      if (t.capabilities.ttl)
        expect(timed, "an entry written with expiresAt keeps it to the millisecond").toEqual(
          entry(true, 1, now + 123_457),
        );
      expect(typeof plain?.version, "version is a number (not a string or a bigint)").toBe(
        "number",
      );
    },
  },
  {
    id: "set-many-versions",
    title:
      "setMany: results[i] is the new version of writes[i] (1 for a new key, +1 for an existing one)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("old", 1)], now);
      await write(kv, ns, [put("old", 2)], now);
      const results = await write(kv, ns, [put("new1", 1), put("old", 3), put("new2", 1)], now);
      expect(
        results,
        "results must be in the order of the writes, each the version the write produced",
      ).toEqual([1, 3, 1]);
      expect(await read(kv, ns, ["old", "new1", "new2"], now)).toEqual([
        entry(3, 3),
        entry(1, 1),
        entry(1, 1),
      ]);
    },
  },
  {
    id: "set-many-increments",
    title:
      "setMany: every write adds exactly one to the version, and replaces value and expiry whole",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const versions: number[] = [];
      for (let i = 1; i <= 12; i++) {
        const expiresAt = t.capabilities.ttl && i % 2 === 0 ? now + 60_000 + i : null;
        versions.push(...(await write(kv, ns, [put("k", { i }, { expiresAt })], now)));
        expect((await read(kv, ns, ["k"], now))[0], `after write ${i}`).toEqual(
          entry({ i }, i, expiresAt),
        );
      }
      expect(versions, "versions go 1, 2, 3, … one per write").toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
    },
  },
  {
    id: "set-many-conflicts-all",
    title:
      "setMany: when conditions fail, conflicts lists every failing position and nothing is written",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("a", "a1"), put("b", "b1"), put("c", "c1")], now);
      const result = await kv.setMany(
        ns,
        [
          put("a", "a2", { ifVersion: 2 }), // fails: a is at 1
          put("new", "n"), // would succeed
          put("b", "b2", { ifAbsent: true }), // fails: b exists
          put("c", "c2", { ifVersion: 1 }), // holds
          put("gone", "g", { ifVersion: 1 }), // fails: absent
          put("fresh", "f", { ifAbsent: true }), // holds
        ],
        now,
      );
      conflicts(result, [0, 2, 4], "setMany with three failing conditions");
      expect(
        await read(kv, ns, ["a", "b", "c", "new", "gone", "fresh"], now),
        "a failing batch must write nothing, not even its unconditional or holding writes",
      ).toEqual([entry("a1", 1), entry("b1", 1), entry("c1", 1), undefined, undefined, undefined]);
    },
  },
  {
    id: "set-many-conditions-hold",
    title:
      "setMany: ifVersion equal to the live version and ifAbsent on an absent key apply, with new versions",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("a", 1)], now);
      await write(kv, ns, [put("a", 2)], now);
      const results = await write(
        kv,
        ns,
        [put("a", 3, { ifVersion: 2 }), put("b", 1, { ifAbsent: true }), put("c", 1)],
        now,
        "conditions that hold",
      );
      expect(results).toEqual([3, 1, 1]);
      conflicts(
        await kv.setMany(ns, [put("a", 4, { ifVersion: 2 })], now),
        [0],
        "ifVersion of the previous version",
      );
      conflicts(
        await kv.setMany(ns, [put("a", 4, { ifVersion: 4 })], now),
        [0],
        "ifVersion of a version not reached yet",
      );
      conflicts(
        await kv.setMany(ns, [put("b", 2, { ifAbsent: true })], now),
        [0],
        "ifAbsent on a live key",
      );
      conflicts(
        await kv.setMany(ns, [put("zz", 1, { ifVersion: 1 })], now),
        [0],
        "ifVersion on a missing key",
      );
      expect(await read(kv, ns, ["a", "b"], now)).toEqual([entry(3, 3), entry(1, 1)]);
      if (t.capabilities.ttl) {
        const at = now + 77_777;
        await write(
          kv,
          ns,
          [
            put("a", 5, { ifVersion: 3, expiresAt: at }),
            put("b", 2, { ifVersion: 1, expiresAt: at }),
          ],
          now,
        );
        expect(
          await read(kv, ns, ["a", "b"], now),
          "a conditional write stores its expiresAt like any write",
        ).toEqual([entry(5, 4, at), entry(2, 2, at)]);
      }
    },
  },
  {
    id: "set-many-ifversion-and-absent",
    title:
      "setMany: ifVersion 1 after a delete conflicts, ifAbsent after a delete applies with version 1",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("k", 1)], now);
      ok(await kv.deleteMany(ns, [{ key: "k" }], now), "deleteMany");
      conflicts(
        await kv.setMany(ns, [put("k", 2, { ifVersion: 1 })], now),
        [0],
        "ifVersion on a deleted key",
      );
      expect(
        await write(kv, ns, [put("k", 3, { ifAbsent: true })], now),
        "ifAbsent after delete",
      ).toEqual([1]);
    },
  },
  {
    id: "delete-many-results",
    title: "deleteMany: results[i] says whether a live entry was removed, in input order",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("a", 1), put("b", 2), put("c", 3)], now);
      const results = ok(
        await kv.deleteMany(ns, [{ key: "b" }, { key: "nope" }, { key: "a" }], now),
        "deleteMany",
      );
      expect(
        results,
        "true for each removed entry, false for a missing key, in the order of the deletes",
      ).toEqual([true, false, true]);
      expect(await read(kv, ns, ["a", "b", "c"], now)).toEqual([undefined, undefined, entry(3, 1)]);
      expect(
        ok(await kv.deleteMany(ns, [{ key: "a" }], now), "second delete"),
        "deleting twice removes nothing the second time",
      ).toEqual([false]);
      expect(
        await write(kv, ns, [put("a", 9)], now),
        "a deleted key starts again at version 1",
      ).toEqual([1]);
    },
  },
];
