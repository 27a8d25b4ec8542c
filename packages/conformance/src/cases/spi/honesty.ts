// spi/honesty: what a driver declares in `capabilities` must be true. Each failure says which
// declaration the behaviour contradicts, in plain words.

import type { Driver } from "@stowage/core";
import { expect } from "vitest";
import type { CaseDef } from "../../types.ts";
import { enc, props, put, spiKv, write } from "./helpers.ts";

const SPI_KV = [
  "getMany",
  "setMany",
  "deleteMany",
  "list",
  "count",
  "clear",
  "namespaces",
] as const;
const SPI_GRAPH = [
  "upsertNodes",
  "upsertEdges",
  "getNodes",
  "getEdges",
  "deleteNodes",
  "deleteEdges",
  "neighbors",
  "degree",
  "listNodes",
  "listEdges",
  "stats",
  "clear",
  "graphs",
] as const;

function claim(ok: boolean, message: string): void {
  expect(ok, message).toBe(true);
}

export const spiHonestyCases: CaseDef[] = [
  {
    id: "shape",
    title:
      "the driver has a name, ping/close, every KvDriver method, and every GraphDriver method when it declares graph: true",
    async run(t) {
      const d: Driver = t.driver;
      claim(
        typeof d.name === "string" && d.name.length > 0,
        "Driver.name must be a non-empty string",
      );
      claim(
        typeof d.ping === "function" && typeof d.close === "function",
        "Driver must have ping() and close()",
      );
      for (const m of SPI_KV)
        claim(
          typeof d.kv?.[m] === "function",
          `Driver.kv.${m} must be a function (every driver has KV)`,
        );
      if (t.capabilities.graph) {
        for (const m of SPI_GRAPH)
          claim(
            typeof d.graph?.[m] === "function",
            `declared graph: true, but Driver.graph.${m} is not a function`,
          );
      }
      if (t.capabilities.nativeTraversal)
        claim(
          typeof d.graph?.traverse === "function",
          "declared nativeTraversal: true, but Driver.graph.traverse is not a function",
        );
      claim(
        Number.isSafeInteger(t.capabilities.maxValueBytes) &&
          t.capabilities.maxValueBytes >= 65_536,
        `maxValueBytes must be a whole number of bytes >= 64 KiB, got ${t.capabilities.maxValueBytes}`,
      );
    },
  },
  {
    id: "stable-capabilities",
    title: "every driver from open() declares the same capabilities",
    async run(t) {
      const other = await t.openDriver();
      expect(
        { ...other.capabilities },
        "open() returned a driver whose capabilities differ from the first one's: the kit (and core) plan by them",
      ).toEqual({ ...t.driver.capabilities });
    },
  },
  {
    id: "shared-kv",
    title:
      "declared shared: true — a second driver from open() sees the first one's writes, deletes and versions",
    needs: ["shared"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const other = await t.openDriver();
      await write(kv, ns, [put("k", "first")], now);
      const seen = (await other.kv.getMany(ns, ["k"], now))[0];
      claim(
        seen?.value === enc("first"),
        "declared shared: true, but a second driver from open() did not see a write of the first",
      );
      claim(
        (await other.kv.count(ns, "", now)) === 1 &&
          (await other.kv.list(ns, { prefix: "", limit: 5, withValues: false }, now)).length === 1,
        "declared shared: true, but count or list of a second driver from open() missed a write of the first",
      );
      claim(
        (await other.kv.namespaces(now)).includes(ns),
        "declared shared: true, but namespaces() of a second driver from open() does not list a namespace the first wrote",
      );
      const [v] = await write(other.kv, ns, [put("k", "second")], now);
      claim(
        v === 2,
        `declared shared: true, but the second driver's write got version ${v} instead of continuing the first driver's versions (2)`,
      );
      claim(
        (await kv.getMany(ns, ["k"], now))[0]?.value === enc("second"),
        "declared shared: true, but the first driver did not see the second one's write",
      );
      await other.kv.deleteMany(ns, [{ key: "k" }], now);
      claim(
        (await kv.getMany(ns, ["k"], now))[0] === undefined,
        "declared shared: true, but a delete through the second driver is not seen by the first",
      );
      claim(
        (await other.kv.namespaces(now)).includes(ns) === false,
        "declared shared: true, but namespaces() of the second driver disagrees",
      );
    },
  },
  {
    id: "shared-graph",
    title: "declared shared: true — a second driver from open() sees the first one's graph",
    needs: ["shared", "graph"],
    async run(t) {
      const name = t.freshName("graph");
      const other = await t.openDriver();
      await t.driver.graph?.upsertEdges(
        name,
        [{ from: "a", type: "r", to: "b", props: props({ w: 1 }) }],
        "merge",
      );
      const seen = await other.graph?.neighbors(name, ["a"], { direction: "out" });
      claim(
        seen?.[0]?.length === 1,
        "declared shared: true, but a second driver from open() did not see an edge written by the first",
      );
      claim(
        (await other.graph?.graphs())?.includes(name) === true,
        "declared shared: true, but graphs() of a second driver does not list a graph written by the first",
      );
    },
  },
  {
    id: "shared-cas",
    title:
      "declared shared: true and cas: true — ifVersion conflicts across two drivers (exactly one of two racing writes wins)",
    needs: ["shared", "cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const other = await t.openDriver();
      await write(kv, ns, [put("k", 0)], now);
      for (let round = 1; round <= 5; round++) {
        const [a, b] = await Promise.all([
          kv.setMany(ns, [put("k", `a${round}`, { ifVersion: round })], now),
          other.kv.setMany(ns, [put("k", `b${round}`, { ifVersion: round })], now),
        ]);
        const wins = [a, b].filter((r) => r.ok).length;
        claim(
          wins === 1,
          `declared cas: true and shared: true, but ${wins} of two writes with ifVersion ${round} from two drivers succeeded (exactly one must)`,
        );
      }
    },
  },
  {
    id: "persistent-kv",
    title:
      "declared persistent: true — entries (value, version, expiry) survive close() and a new driver from open()",
    needs: ["persistent"],
    async run(t) {
      const { ns, now } = spiKv(t);
      const first = await t.openDriver();
      const expiresAt = t.capabilities.ttl ? now + 3_600_000 : null;
      await write(first.kv, ns, [put("k", { v: 1 }, { expiresAt })], now);
      await write(first.kv, ns, [put("k", { v: 2 }, { expiresAt })], now);
      await first.close();
      const second = await t.openDriver();
      const got = (await second.kv.getMany(ns, ["k"], now))[0];
      claim(
        got !== undefined,
        "declared persistent: true, but after close() a new driver from open() did not find an entry written before",
      );
      expect(
        got,
        "declared persistent: true, but the reopened entry differs (value, version or expiresAt)",
      ).toEqual({ value: enc({ v: 2 }), version: 2, expiresAt });
    },
  },
  {
    id: "persistent-graph",
    title:
      "declared persistent: true — nodes and edges survive close() and a new driver from open()",
    needs: ["persistent", "graph"],
    async run(t) {
      const name = t.freshName("graph");
      const first = await t.openDriver();
      await first.graph?.upsertEdges(
        name,
        [{ from: "a", type: "r", to: "b", props: props({ w: 1 }) }],
        "merge",
      );
      await first.close();
      const second = await t.openDriver();
      claim(
        (await second.graph?.stats(name))?.edges === 1,
        "declared persistent: true, but after close() a new driver from open() lost an edge written before",
      );
    },
  },
  {
    id: "clock",
    title: "expiry follows the `now` core passes, never the machine's clock (Date.now())",
    needs: ["ttl"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      // now is a day ahead of the machine's clock; E is in the machine's future but in core's past.
      const E = Date.now() + 3_600_000;
      await write(kv, ns, [put("k", 1, { expiresAt: E }), put("live", 1)], E - 10);
      const clockRule = (op: string) =>
        `${op}: an entry with expiresAt <= now must be absent, by the \`now\` argument core passes (here a day ahead of the machine's clock); this driver seems to use Date.now() instead`;
      claim((await kv.getMany(ns, ["k"], now))[0] === undefined, clockRule("getMany"));
      claim((await kv.count(ns, "", now)) === 1, clockRule("count"));
      claim(
        (await kv.list(ns, { prefix: "", limit: 5, withValues: false }, now)).length === 1,
        clockRule("list"),
      );
      const absent = await kv.setMany(ns, [put("k", 2, { ifAbsent: true })], now);
      if (t.capabilities.cas) claim(absent.ok, clockRule("setMany with ifAbsent"));
      const only = t.track("kv", `${ns}.only`);
      await write(kv, only, [put("k", 1, { expiresAt: E })], E - 10);
      claim(!(await kv.namespaces(now)).includes(only), clockRule("namespaces()"));
    },
  },
  {
    id: "atomic-batches",
    title:
      "declared atomicBatches: true — a setMany or deleteMany whose condition fails leaves nothing of the batch",
    needs: ["atomicBatches", "cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const keys = Array.from({ length: 50 }, (_, i) => `k${String(i).padStart(2, "0")}`);
      await write(
        kv,
        ns,
        keys.map((k) => put(k, 0)),
        now,
      );
      const failing = await kv.setMany(
        ns,
        keys.map((k, i) => put(k, 1, i === 49 ? { ifVersion: 7 } : {})),
        now,
      );
      claim(!failing.ok, "a write with a failing ifVersion was applied");
      const after = await kv.getMany(ns, keys, now);
      const written = after.filter((e) => e?.version !== 1).length;
      claim(
        written === 0,
        `declared atomicBatches: true, but ${written} writes of a failed setMany are visible (a failed batch must leave nothing)`,
      );
      const del = await kv.deleteMany(
        ns,
        keys.map((key, i) => (i === 0 ? { key, ifVersion: 9 } : { key })),
        now,
      );
      claim(!del.ok, "a delete with a failing ifVersion was applied");
      const left = (await kv.getMany(ns, keys, now)).filter(Boolean).length;
      claim(
        left === 50,
        `declared atomicBatches: true, but a failed deleteMany removed ${50 - left} entries`,
      );
    },
  },
  {
    id: "cas",
    title: "declared cas: true — of 8 concurrent writes with the same ifVersion exactly one wins",
    needs: ["cas"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("k", 0)], now);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => kv.setMany(ns, [put("k", i, { ifVersion: 1 })], now)),
      );
      const wins = results.filter((r) => r.ok).length;
      claim(
        wins === 1,
        `declared cas: true, but ${wins} of 8 concurrent writes with ifVersion 1 succeeded (exactly one must)`,
      );
      claim(
        (await kv.getMany(ns, ["k"], now))[0]?.version === 2,
        "declared cas: true, but the version after one winning write is not 2",
      );
    },
  },
  {
    id: "ttl",
    title:
      "declared ttl: true — expiresAt is stored and honoured; ttl: false never reaches the driver",
    needs: ["ttl"],
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      await write(kv, ns, [put("k", 1, { expiresAt: now + 5000 })], now);
      claim(
        (await kv.getMany(ns, ["k"], now))[0]?.expiresAt === now + 5000,
        "declared ttl: true, but the driver did not keep expiresAt",
      );
      claim(
        (await kv.getMany(ns, ["k"], now + 5000))[0] === undefined,
        "declared ttl: true, but an entry is still returned at its expiresAt",
      );
    },
  },
];
