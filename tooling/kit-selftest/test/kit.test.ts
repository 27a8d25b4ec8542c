// The kit's plumbing: case counts, capability skips and their reasons, group filters, the skip
// option, the summary line, unreachable drivers, and a full healthy run.

import { collectCases, conformanceCases, conformanceGroups, runCases } from "@stowage/conformance";
import type { ConformanceCase } from "@stowage/conformance";
import { type DriverCapabilities, UnavailableError } from "@stowage/core";
import { createMemoryDriver, MemoryDatabase } from "@stowage/memory";
import { afterEach, describe, expect, it } from "vitest";
import { deadDriver, healthy, unavailable, wrapMemory } from "./broken.ts";

const every: DriverCapabilities = {
  kv: true,
  graph: true,
  ttl: true,
  cas: true,
  atomicBatches: true,
  nativeTraversal: true,
  persistent: true,
  shared: true,
  maxValueBytes: 1 << 30,
  vectors: true,
  approximateVectors: true,
};
const open = () => createMemoryDriver({ sweepIntervalMs: 0 });

describe("planning", () => {
  afterEach(() => {
    delete process.env.STOWAGE_KIT_GROUPS;
  });

  it("has at least 300 runnable cases for a driver that declares every capability", () => {
    const planned = collectCases({ name: "x", open, openUnreachable: open, openWithBadCredentials: open }, every);
    const runnable = planned.filter((p) => p.skipReason === undefined);
    expect(runnable.length).toBeGreaterThanOrEqual(300);
    // Only the cases that check the *absence* of a capability are skipped.
    expect(planned.filter((p) => p.skipReason !== undefined).every((p) => p.case.without !== undefined)).toBe(true);
    expect(new Set(conformanceCases.map((c) => c.fullId)).size).toBe(conformanceCases.length);
    expect(new Set(conformanceCases.map((c) => c.title)).size).toBe(conformanceCases.length);
  });

  it("every group has cases, and every case belongs to a listed group", () => {
    for (const g of conformanceGroups) expect(conformanceCases.some((c) => c.group === g), g).toBe(true);
    expect(conformanceCases.every((c) => conformanceGroups.includes(c.group))).toBe(true);
  });

  it("skips by capability with the reason", () => {
    const planned = collectCases({ name: "x", open }, { ...every, ttl: false, graph: false });
    const reason = (id: string) => planned.find((p) => p.case.fullId === id)?.skipReason;
    expect(reason("kv/ttl/boundary")).toBe("driver declares ttl: false");
    expect(reason("graph/traverse/max-nodes")).toBe("driver declares graph: false");
    expect(reason("lifecycle/unreachable-ping")).toBe("no openUnreachable given");
    expect(reason("kv/ttl/unsupported-without-ttl")).toBeUndefined();
    expect(reason("kv/cas/unsupported-without-cas")).toBe("driver declares cas: true");
    expect(reason("kv/basic/set-get")).toBeUndefined();
  });

  it("filters groups by name or prefix, from the option or from STOWAGE_KIT_GROUPS", () => {
    const groupsOf = (planned: ReturnType<typeof collectCases>) => [...new Set(planned.map((p) => p.case.group))];
    expect(groupsOf(collectCases({ name: "x", open, groups: ["kv"] }, every))).toEqual(conformanceGroups.filter((g) => g.startsWith("kv/")));
    expect(groupsOf(collectCases({ name: "x", open, groups: ["graph/list", "store"] }, every))).toEqual(["graph/list", "store"]);
    process.env.STOWAGE_KIT_GROUPS = "transfer, model";
    expect(groupsOf(collectCases({ name: "x", open }, every))).toEqual(["transfer", "model"]);
    expect(groupsOf(collectCases({ name: "x", open, groups: ["store"] }, every))).toEqual(["store"]);
    expect(() => collectCases({ name: "x", open, groups: ["kv/nope"] }, every)).toThrow(/unknown group/);
  });

  it("skips listed cases with the given reason and rejects unknown ids", () => {
    const planned = collectCases({ name: "x", open, skip: { "kv/list/byte-order": "known gap #12", "graph/paths": "not yet" } }, every);
    expect(planned.find((p) => p.case.fullId === "kv/list/byte-order")).toMatchObject({ skipReason: "known gap #12", skipLabel: "skip option" });
    expect(planned.filter((p) => p.case.group === "graph/paths").every((p) => p.skipReason === "not yet")).toBe(true);
    expect(() => collectCases({ name: "x", open, skip: { "kv/list/nope": "?" } }, every)).toThrow(/unknown case/);
  });
});

describe("running", () => {
  it("passes the whole kit on the healthy memory driver and prints a summary", async () => {
    const db = new MemoryDatabase();
    const report = await runCases({
      name: "memory",
      open: () => wrapMemory(db, healthy),
      openUnreachable: () => deadDriver(unavailable),
      openWithBadCredentials: (secret) => deadDriver(() => wrongPassword(secret)),
    });
    const failures = report.results.filter((r) => r.status === "failed").map((r) => `${r.id}: ${(r.error as Error)?.message}`);
    expect(failures).toEqual([]);
    expect(report.passed.length).toBeGreaterThanOrEqual(300);
    expect(report.summary).toMatch(/^conformance\[memory\]: \d+ passed, 0 failed, 6 skipped \(only without \w+: 1, only without \w+: 1, only without \w+: 1, only without vectors: 1, approximateVectors: 2\)$/);
  });

  it("runs the capability-absent cases for a driver without ttl, cas and graphs", async () => {
    const db = new MemoryDatabase();
    const report = await runCases(
      { name: "small", open: () => wrapMemory(db, { capabilities: { ttl: false, cas: false, graph: false, atomicBatches: false } }) },
      ["kv/ttl", "kv/cas", "graph/basic", "model", "kv/concurrency"],
    );
    expect(report.failed).toEqual([]);
    expect(report.passed).toEqual(expect.arrayContaining(["kv/ttl/unsupported-without-ttl", "kv/cas/unsupported-without-cas", "graph/basic/unsupported-without-graph", "model/kv"]));
    expect(report.summary).toMatch(/driver declares ttl: false|ttl: \d+/);
  });

  it("passes an unreachable driver that throws UnavailableError, and fails one that throws raw errors", async () => {
    const unreachableCases = (c: ConformanceCase) => c.fullId.startsWith("lifecycle/unreachable-");
    const good = await runCases({ name: "good", open, openUnreachable: () => deadDriver(unavailable) }, unreachableCases);
    expect(good.passed.length).toBe(4);
    const raw = await runCases(
      { name: "raw", open, openUnreachable: () => deadDriver(() => new Error("connect ECONNREFUSED postgres://app:hunter2@127.0.0.1:1/db")) },
      unreachableCases,
    );
    expect(raw.failed).toEqual(["lifecycle/unreachable-ping", "lifecycle/unreachable-kv", "lifecycle/unreachable-graph"]);
  });

  it("says what openUnreachable must return when the factory throws", async () => {
    const report = await runCases(
      {
        name: "eager",
        open,
        openUnreachable: () => {
          throw new Error("connect ECONNREFUSED 127.0.0.1:1");
        },
      },
      ["lifecycle/unreachable-ping"],
    );
    expect(report.failed).toEqual(["lifecycle/unreachable-ping"]);
    const message = String((report.results[0]?.error as Error | undefined)?.message);
    expect(message).toMatch(/openUnreachable\(\) threw instead of returning a driver/);
    expect(message).toMatch(/UnavailableError/);
    expect(message).toMatch(/ECONNREFUSED/);
  });

  it("passes a driver whose credential errors carry the secret only in scrubbed places, fails one that echoes it", async () => {
    const only = ["errors/bad-credentials-no-secret"];
    const good = await runCases({ name: "good", open, openWithBadCredentials: (secret) => deadDriver(() => wrongPassword(secret)) }, only);
    expect(good.passed).toEqual(only);
    const echo = await runCases({ name: "echo", open, openWithBadCredentials: (secret) => deadDriver(() => new Error(`password ${secret} refused`)) }, only);
    expect(echo.failed).toEqual(only);
  });

  it("reports a driver that cannot open: runCases rejects", async () => {
    await expect(runCases({ name: "none", open: () => Promise.reject(new Error("no server")) })).rejects.toThrow("no server");
  });

  it("times out a hanging case and keeps going (STOWAGE_KIT_TIMEOUT_SCALE)", async () => {
    const db = new MemoryDatabase();
    const hanging = () =>
      wrapMemory(db, { kv: (ikv) => ({ count: (ns, prefix, now) => (prefix === "odd/" ? new Promise(() => {}) : ikv.count(ns, prefix, now)) }) });
    process.env.STOWAGE_KIT_TIMEOUT_SCALE = "0.01";
    try {
      const report = await runCases({ name: "hang", open: hanging }, ["kv/list/count-after-deletes", "kv/list/empty"]);
      expect(report.failed).toEqual(["kv/list/count-after-deletes"]);
      const failure = report.results.find((r) => r.status === "failed");
      expect(String((failure?.error as Error | undefined)?.message)).toMatch(/timed out after 300 ms/);
      expect(report.passed).toEqual(["kv/list/empty"]);
    } finally {
      delete process.env.STOWAGE_KIT_TIMEOUT_SCALE;
    }
  });
});

/** What ioredis gives for a wrong password: the failed command, password included, on the cause. */
function wrongPassword(secret: string): Error {
  const reply = Object.assign(new Error("WRONGPASS invalid username-password pair"), { command: { name: "auth", args: ["default", secret] } });
  return new UnavailableError("redis at 127.0.0.1:1 is unavailable: WRONGPASS", { cause: reply });
}
