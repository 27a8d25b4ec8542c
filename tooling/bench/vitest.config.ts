import { defineStowageProject } from "@stowage/vitest-preset";

// Tests of the harness's statistics and scheduling only; no timing assertions.
export default defineStowageProject("bench", import.meta.url);
