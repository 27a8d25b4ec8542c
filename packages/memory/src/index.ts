export { createMemoryDriver, openDriver } from "./driver.ts";
export type { MemoryDriverOptions } from "./driver.ts";
export { MemoryDatabase } from "./database.ts";
