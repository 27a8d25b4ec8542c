// The kit must fail every deliberately broken driver, on the cases that check the broken rule,
// and pass the healthy memory driver on those same cases. Both go through runCases, the same
// Harness.runCase that runConformance registers as vitest tests.

import { runCases } from "@stowage/conformance";
import { MemoryDatabase } from "@stowage/memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brokenDrivers as foundationBroken, healthy, wrapMemory } from "./broken.ts";
import { spiGraphBrokenDrivers } from "./broken-spi-graph.ts";
import { spiFreshBrokenDrivers } from "./broken-spi-fresh.ts";
import { spiKvBrokenDrivers } from "./broken-spi-kv.ts";

const brokenDrivers = [...foundationBroken, ...spiKvBrokenDrivers, ...spiGraphBrokenDrivers, ...spiFreshBrokenDrivers];
/** A group name selects its cases; a case id selects that case. */
const selects = (groups: readonly string[], id: string) => groups.some((g) => id === g || id.startsWith(`${g}/`));

/** Real-time TTL cases take a second or two each and check nothing these breakages touch. */
const notRealTime = (id: string) => !id.includes("/real-time-");

// More model runs than the default 30, so a model case catches its breakage every time.
beforeAll(() => {
  process.env.STOWAGE_KIT_MODEL_RUNS = "100";
});
afterAll(() => {
  delete process.env.STOWAGE_KIT_MODEL_RUNS;
});

describe("the kit fails broken drivers", () => {
  for (const broken of brokenDrivers) {
    it(`fails: ${broken.name}`, async () => {
      const db = new MemoryDatabase();
      const report = await runCases(
        { name: `broken: ${broken.name}`, open: () => wrapMemory(db, broken.breakage) },
        (c) => selects(broken.groups, c.fullId) && notRealTime(c.fullId),
      );
      const missed = broken.mustFail.filter((id) => !report.failed.includes(id));
      expect(missed, `cases that should have failed but did not (${report.summary})`).toEqual([]);
      // Every failure is a real assertion failure, not a crash of the kit itself.
      for (const r of report.results.filter((x) => x.status === "failed")) {
        expect(r.error, r.id).toBeInstanceOf(Error);
      }
    });
  }
});

describe("the healthy memory driver passes the same cases", () => {
  const groups = [...new Set(brokenDrivers.flatMap((b) => b.groups))];
  it(`passes ${groups.join(", ")}`, async () => {
    const db = new MemoryDatabase();
    const report = await runCases(
      { name: "healthy", open: () => wrapMemory(db, healthy) },
      (c) => selects(groups, c.fullId) && notRealTime(c.fullId),
    );
    const failures = report.results.filter((r) => r.status === "failed").map((r) => `${r.id}: ${(r.error as Error)?.message}`);
    expect(failures).toEqual([]);
    for (const broken of brokenDrivers) {
      for (const id of broken.mustFail) expect(report.passed, `${id} runs for the healthy driver`).toContain(id);
    }
  });
});
