import { defineConfig } from "vitest/config";

// One vitest run over every package: each package (and tooling package with tests) is a project.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "tooling/*/vitest.config.ts"],
  },
});
