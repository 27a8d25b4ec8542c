import { defineStowageProject } from "@stowage/vitest-preset";

export default defineStowageProject("libsql", import.meta.url);
