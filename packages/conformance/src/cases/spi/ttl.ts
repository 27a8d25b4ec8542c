// spi/ttl: the exact expiry boundary of every operation that decides liveness. An entry with
// expiresAt E is live at now = E - 1 and absent at E and at E + 1 — for reads, conditions,
// deletes, list, count and namespaces() alike. Each check runs at increasing `now` only.

import type { KvDriver } from "@stowage/core";
import { expect } from "vitest";
import type { CaseContext, CaseDef } from "../../types.ts";
import { conflicts, enc, ok, put, read, spiKv, write } from "./helpers.ts";

const OFFSETS = [-1, 0, 1] as const;
const at = (d: number) =>
  d < 0
    ? "expiresAt - 1 (live)"
    : d === 0
      ? "exactly expiresAt (absent)"
      : "expiresAt + 1 (absent)";

/** One namespace per offset, each holding key "k" (expiring at E) and "stay" (no expiry). */
async function boundarySetup(
  t: CaseContext,
): Promise<{ kv: KvDriver; E: number; now: number; nsAt: (d: number) => string }> {
  const { kv, ns, now } = spiKv(t);
  const E = now + 1000;
  const names = new Map<number, string>();
  for (const d of OFFSETS) {
    const name = t.track("kv", `${ns}.${d + 1}`);
    names.set(d, name);
    await write(kv, name, [put("k", "v", { expiresAt: E }), put("stay", "s")], now);
  }
  return { kv, E, now, nsAt: (d) => names.get(d) as string };
}

export const spiTtlCases: CaseDef[] = [
  {
    id: "get-many",
    title: "getMany at expiresAt - 1, expiresAt and expiresAt + 1",
    needs: ["ttl"],
    async run(t) {
      const { kv, E, nsAt } = await boundarySetup(t);
      for (const d of OFFSETS) {
        const [got, stay] = await read(kv, nsAt(d), ["k", "stay"], E + d);
        if (d < 0)
          expect(got, `getMany at ${at(d)}`).toEqual({ value: enc("v"), version: 1, expiresAt: E });
        else
          expect(
            got,
            `getMany at ${at(d)}: an entry with expiresAt <= now is absent`,
          ).toBeUndefined();
        expect(stay?.value, "an entry without expiry stays").toBe(enc("s"));
      }
    },
  },
  {
    id: "if-version",
    title: "ifVersion holds at expiresAt - 1 and conflicts at expiresAt and expiresAt + 1",
    needs: ["ttl", "cas"],
    async run(t) {
      const { kv, E, nsAt } = await boundarySetup(t);
      for (const d of OFFSETS) {
        const result = await kv.setMany(nsAt(d), [put("k", "w", { ifVersion: 1 })], E + d);
        if (d < 0) expect(ok(result, `ifVersion at ${at(d)}`)).toEqual([2]);
        else conflicts(result, [0], `ifVersion at ${at(d)}: an expired entry has no version`);
      }
    },
  },
  {
    id: "if-absent",
    title:
      "ifAbsent conflicts at expiresAt - 1 and applies (version 1) at expiresAt and expiresAt + 1",
    needs: ["ttl", "cas"],
    async run(t) {
      const { kv, E, nsAt } = await boundarySetup(t);
      for (const d of OFFSETS) {
        const result = await kv.setMany(nsAt(d), [put("k", "w", { ifAbsent: true })], E + d);
        if (d < 0) conflicts(result, [0], `ifAbsent at ${at(d)}`);
        else
          expect(
            ok(result, `ifAbsent at ${at(d)}: an expired entry counts as absent`),
            "version restarts at 1",
          ).toEqual([1]);
      }
    },
  },
  {
    id: "version-restart",
    title:
      "an unconditional write gives version 2 at expiresAt - 1 and version 1 at expiresAt and after",
    needs: ["ttl"],
    async run(t) {
      const { kv, E, nsAt } = await boundarySetup(t);
      for (const d of OFFSETS) {
        const got = await write(kv, nsAt(d), [put("k", "w")], E + d);
        expect(got, `write at ${at(d)}: versions restart at 1 once expired`).toEqual([
          d < 0 ? 2 : 1,
        ]);
        expect((await read(kv, nsAt(d), ["k"], E + d))[0], "the write clears the expiry").toEqual({
          value: enc("w"),
          version: got[0],
          expiresAt: null,
        });
      }
    },
  },
  {
    id: "delete-many",
    title: "deleteMany reports a removal at expiresAt - 1 and none at expiresAt and expiresAt + 1",
    needs: ["ttl"],
    async run(t) {
      const { kv, E, nsAt } = await boundarySetup(t);
      for (const d of OFFSETS) {
        const got = ok(
          await kv.deleteMany(nsAt(d), [{ key: "k" }, { key: "stay" }], E + d),
          "deleteMany",
        );
        expect(
          got,
          `deleteMany at ${at(d)}: results[i] is whether a LIVE entry was removed`,
        ).toEqual([d < 0, true]);
      }
    },
  },
  {
    id: "delete-if-version",
    title:
      "deleteMany with ifVersion holds at expiresAt - 1 and conflicts at expiresAt and expiresAt + 1",
    needs: ["ttl", "cas"],
    async run(t) {
      const { kv, E, nsAt } = await boundarySetup(t);
      for (const d of OFFSETS) {
        const result = await kv.deleteMany(nsAt(d), [{ key: "k", ifVersion: 1 }], E + d);
        if (d < 0) expect(ok(result, `conditional delete at ${at(d)}`)).toEqual([true]);
        else
          conflicts(result, [0], `conditional delete at ${at(d)}: an expired entry has no version`);
      }
    },
  },
  {
    id: "list",
    title: "list (keys only and with values) at expiresAt - 1, expiresAt and expiresAt + 1",
    needs: ["ttl"],
    async run(t) {
      const { kv, E, nsAt } = await boundarySetup(t);
      for (const d of OFFSETS) {
        for (const withValues of [false, true]) {
          const keys = (await kv.list(nsAt(d), { prefix: "", limit: 10, withValues }, E + d)).map(
            (i) => i.key,
          );
          expect(keys, `list (withValues: ${withValues}) at ${at(d)}`).toEqual(
            d < 0 ? ["k", "stay"] : ["stay"],
          );
        }
        const after = (
          await kv.list(nsAt(d), { prefix: "", after: "a", limit: 1, withValues: false }, E + d)
        ).map((i) => i.key);
        expect(
          after,
          `a page of 1 at ${at(d)} must skip the expired key and still be full`,
        ).toEqual([d < 0 ? "k" : "stay"]);
      }
    },
  },
  {
    id: "count",
    title: "count at expiresAt - 1, expiresAt and expiresAt + 1",
    needs: ["ttl"],
    async run(t) {
      const { kv, E, nsAt } = await boundarySetup(t);
      for (const d of OFFSETS) {
        expect(await kv.count(nsAt(d), "", E + d), `count at ${at(d)}`).toBe(d < 0 ? 2 : 1);
        expect(await kv.count(nsAt(d), "k", E + d), `count with prefix at ${at(d)}`).toBe(
          d < 0 ? 1 : 0,
        );
      }
    },
  },
  {
    id: "namespaces",
    title:
      "namespaces() lists an expiring-only namespace at expiresAt - 1 and not at expiresAt or expiresAt + 1",
    needs: ["ttl"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const E = now + 1000;
      await write(kv, ns, [put("a", 1, { expiresAt: E }), put("b", 1, { expiresAt: E - 5 })], now);
      for (const d of OFFSETS) {
        const listed = await kv.namespaces(E + d);
        if (d < 0) expect(listed, `namespaces() at ${at(d)}`).toContain(ns);
        else
          expect(
            listed,
            `namespaces() at ${at(d)}: every entry expired, so the namespace holds nothing live`,
          ).not.toContain(ns);
      }
    },
  },
  {
    id: "full-pages",
    title:
      "a page of `limit` keys is full even when entries expiring exactly at now sit between the live ones",
    needs: ["ttl"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const E = now + 500;
      const writes = Array.from({ length: 12 }, (_, i) =>
        put(
          `k${String(i).padStart(2, "0")}`,
          i,
          i % 3 === 0 ? {} : { expiresAt: E + (i % 3 === 1 ? 0 : 1) },
        ),
      );
      await write(kv, ns, writes, now);
      const page = (await kv.list(ns, { prefix: "", limit: 3, withValues: true }, E)).map(
        (i) => i.key,
      );
      // live at E: i % 3 == 0 (no expiry) and i % 3 == 2 (E + 1)
      expect(page, "the first page of 3 at now == expiresAt of some keys").toEqual([
        "k00",
        "k02",
        "k03",
      ]);
      const next = (
        await kv.list(ns, { prefix: "", after: "k03", limit: 3, withValues: false }, E)
      ).map((i) => i.key);
      expect(next, "the next page").toEqual(["k05", "k06", "k08"]);
      expect(await kv.count(ns, "", E), "count at now == expiresAt of four keys").toBe(8);
    },
  },
  {
    id: "no-expiry-forever",
    title: "an entry with expiresAt null is live at any now, even centuries ahead",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("k", 1)], now);
      const far = now + 400 * 365 * 86_400_000;
      expect((await read(kv, ns, ["k"], far))[0]?.version, "getMany far in the future").toBe(1);
      expect(await kv.count(ns, "", far)).toBe(1);
    },
  },
  {
    id: "far-expiry",
    title: "an expiresAt far ahead (year 6000) is kept exactly and live until then",
    needs: ["ttl"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const E = Date.UTC(6000, 0, 1) + 7;
      await write(kv, ns, [put("k", 1, { expiresAt: E })], now);
      expect(
        (await read(kv, ns, ["k"], E - 1))[0]?.expiresAt,
        "expiresAt near 2^48 ms kept to the millisecond",
      ).toBe(E);
      expect((await read(kv, ns, ["k"], E))[0], "absent at exactly that expiresAt").toBeUndefined();
    },
  },
  {
    id: "if-version-large",
    title:
      "ifVersion is compared exactly: 2^31, 2^32 + 1, 2^32 + 2, 2^53 - 1 never match versions 1 or 2",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("one", 1), put("two", 1)], now);
      await write(kv, ns, [put("two", 2)], now);
      const huge = [
        2 ** 31,
        2 ** 31 + 1,
        2 ** 32,
        2 ** 32 + 1,
        2 ** 32 + 2,
        2 ** 33 + 1,
        2 ** 52 + 1,
        2 ** 53 - 1,
        2 ** 53 - 2,
      ];
      for (const v of huge) {
        const result = await kv.setMany(
          ns,
          [put("one", "x", { ifVersion: v }), put("two", "x", { ifVersion: v })],
          now,
        );
        conflicts(
          result,
          [0, 1],
          `ifVersion ${v} against versions 1 and 2 (a driver that truncates to 32 bits or compares loosely matches)`,
        );
      }
      expect(await read(kv, ns, ["one", "two"], now)).toEqual([
        { value: enc(1), version: 1, expiresAt: null },
        { value: enc(2), version: 2, expiresAt: null },
      ]);
      expect(
        await write(kv, ns, [put("one", 3, { ifVersion: 1 })], now),
        "the exact version still matches",
      ).toEqual([2]);
    },
  },
  {
    id: "delete-if-version-large",
    title: "deleteMany compares ifVersion exactly: 2^32 + 1 and 2^53 - 1 never match version 1",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("k", 1)], now);
      for (const v of [2 ** 32 + 1, 2 ** 53 - 1, 2 ** 31 + 1]) {
        conflicts(
          await kv.deleteMany(ns, [{ key: "k", ifVersion: v }], now),
          [0],
          `deleteMany ifVersion ${v} against version 1`,
        );
      }
      expect((await read(kv, ns, ["k"], now))[0]?.version, "nothing deleted").toBe(1);
      expect(
        ok(await kv.deleteMany(ns, [{ key: "k", ifVersion: 1 }], now), "exact version"),
      ).toEqual([true]);
    },
  },
  {
    id: "if-version-digits",
    title: "versions compare as numbers: at version 10, ifVersion 1 and 9 conflict and 10 matches",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      for (let i = 0; i < 10; i++) await write(kv, ns, [put("k", i)], now);
      for (const v of [1, 9, 100, 11])
        conflicts(
          await kv.setMany(ns, [put("k", "x", { ifVersion: v })], now),
          [0],
          `ifVersion ${v} at version 10`,
        );
      expect(await write(kv, ns, [put("k", "x", { ifVersion: 10 })], now)).toEqual([11]);
    },
  },
];
