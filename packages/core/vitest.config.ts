import { defineStowageProject } from "@stowage/vitest-preset";

export default defineStowageProject("core", import.meta.url);
