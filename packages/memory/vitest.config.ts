import { defineStowageProject } from "@stowage/vitest-preset";

export default defineStowageProject("memory", import.meta.url);
