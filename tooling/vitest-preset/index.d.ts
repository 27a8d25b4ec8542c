import type { UserWorkspaceConfig } from "vitest/config";
export declare const repoRoot: string;
export declare const sourceAliases: { find: RegExp; replacement: string }[];
export declare function defineStowageProject(
  name: string,
  configUrl: string,
  extra?: UserWorkspaceConfig,
): UserWorkspaceConfig;
