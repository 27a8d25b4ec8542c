import { defineStowageProject } from "@stowage/vitest-preset";

export default defineStowageProject("kit-selftest", import.meta.url, { test: { testTimeout: 120_000 } });
