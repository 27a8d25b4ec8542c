// Shared vitest project settings for every package in the monorepo.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineProject, mergeConfig } from "vitest/config";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Published workspace packages are imported from their sources, so tests never need a build. */
export const sourceAliases = [
  {
    find: /^@stowage\/(core|memory|conformance|libsql|postgres|redis|cli|langgraph|keyv)$/,
    replacement: `${repoRoot}/packages/$1/src/index.ts`,
  },
];

/**
 * @param {string} name project name shown in the test output
 * @param {string} configUrl import.meta.url of the calling vitest.config.ts
 * @param {import("vitest/config").UserWorkspaceConfig} [extra]
 */
export function defineStowageProject(name, configUrl, extra = {}) {
  const dir = path.dirname(fileURLToPath(configUrl));
  return mergeConfig(
    defineProject({
      resolve: { alias: sourceAliases },
      test: {
        name,
        root: dir,
        include: ["test/**/*.test.ts", "src/**/*.test.ts"],
        testTimeout: 30_000,
        hookTimeout: 180_000,
        // Projects in group 0 (the test-database smoke tests) run before everything else, so a
        // broken image fails loudly before any driver suite.
        sequence: { groupOrder: 1 },
      },
    }),
    extra,
  );
}

export { repoRoot };
