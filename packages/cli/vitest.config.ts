import { defineStowageProject } from "@stowage/vitest-preset";

export default defineStowageProject("cli", import.meta.url);
