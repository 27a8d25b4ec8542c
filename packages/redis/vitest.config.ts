import { defineStowageProject } from "@stowage/vitest-preset";

export default defineStowageProject("redis", import.meta.url);
