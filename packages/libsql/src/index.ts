export { createLibsqlDriver, openDriver } from "./driver.ts";
export type {
  JournalMode,
  LibsqlDriverOptions,
  LibsqlPragmas,
  SynchronousLevel,
} from "./driver.ts";
export { SCHEMA_VERSION } from "./schema.ts";
