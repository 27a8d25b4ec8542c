import { defineStowageProject } from "@stowage/vitest-preset";

export default defineStowageProject("conformance", import.meta.url);
