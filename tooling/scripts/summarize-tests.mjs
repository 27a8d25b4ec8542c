// Reads vitest's JSON report and prints the closing line CI reads: `N passed, N failed[, N skipped]`.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? ".tmp/test-results.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  console.error(`no test report at ${file}: ${error.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A test file that failed to load counts as a failure even though no test in it ran.
const failedSuites = (report.testResults ?? []).filter(
  (r) => r.status === "failed" && (r.assertionResults ?? []).length === 0,
).length;
const failed = (report.numFailedTests ?? 0) + failedSuites;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);

// Per conformance suite and kit group (`conformance[redis] > vector: 34 passed, 0 failed, ...`),
// so a reader sees which groups ran on which driver without opening the JSON report.
const groups = new Map();
for (const file of report.testResults ?? []) {
  for (const test of file.assertionResults ?? []) {
    const [suite, group] = test.ancestorTitles ?? [];
    if (!suite?.startsWith("conformance[") || !group) continue;
    const key = `${suite} > ${group}`;
    const counts = groups.get(key) ?? { passed: 0, failed: 0, skipped: 0 };
    if (test.status === "passed") counts.passed++;
    else if (test.status === "failed") counts.failed++;
    else counts.skipped++;
    groups.set(key, counts);
  }
}
if (groups.size > 0) {
  console.log("kit groups per conformance suite:");
  for (const [key, c] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    console.log(`  ${key}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}`);
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
