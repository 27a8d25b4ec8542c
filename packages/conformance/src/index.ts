export { runConformance } from "./register.ts";
export { collectCases, runCases } from "./harness.ts";
export type { RunReport } from "./harness.ts";
export { allCases as conformanceCases, conformanceGroups } from "./cases/index.ts";
export { TestClock } from "./clock.ts";
export type {
  CaseContext,
  CaseDef,
  CaseResult,
  CaseStatus,
  ConformanceCase,
  ConformanceOptions,
  Need,
  PlannedCase,
} from "./types.ts";
export { renderings as errorRenderings } from "./cases/errors.ts";
/** A small seeded generator (mulberry32) for reproducible test data in driver suites. */
export { seeded as seededRandom } from "./vector-data.ts";
