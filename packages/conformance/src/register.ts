// runConformance: registers the kit as vitest suites, one test per case.

import { afterAll, beforeAll, describe, it } from "vitest";
import { conformanceGroups } from "./cases/index.ts";
import { caseTimeout, collectCases, Harness } from "./harness.ts";
import type { ConformanceOptions } from "./types.ts";

const HOOK_TIMEOUT_MS = 120_000;

/**
 * Registers the conformance kit for one driver: `describe("conformance[<name>]")` with one suite
 * per group and one test per case. Call it once at the top level of a test file.
 */
export function runConformance(options: ConformanceOptions): void {
  const harness = new Harness(options);
  describe(`conformance[${options.name}]`, async () => {
    // Titles must say why a case is skipped, so capabilities are needed while registering: a
    // probe driver is opened and closed here; the driver the cases share opens in beforeAll.
    const planned = collectCases(options, await harness.probe());
    beforeAll(async () => {
      await harness.setup();
    }, HOOK_TIMEOUT_MS);
    afterAll(async () => {
      try {
        await harness.teardown();
      } finally {
        console.log(harness.summary());
      }
    }, HOOK_TIMEOUT_MS);
    for (const group of conformanceGroups) {
      const cases = planned.filter((p) => p.case.group === group);
      if (cases.length === 0) continue;
      describe(group, () => {
        for (const p of cases) {
          if (p.skipReason !== undefined) {
            harness.recordSkip(p);
            it.skip(`${p.case.title} (skipped: ${p.skipReason})`, () => {});
            continue;
          }
          // The harness enforces the case's own limit; vitest's is a backstop that leaves room for clean-up.
          const timeout = caseTimeout(p.case) + 2 * 20_000;
          it(p.case.title, async () => {
            const result = await harness.runCase(p.case);
            if (result.status === "failed") throw result.error;
          }, timeout);
        }
      });
    }
  });
}
