import { defineStowageProject } from "@stowage/vitest-preset";

export default defineStowageProject("postgres", import.meta.url);
