// vitest globalSetup: provides "stowagePostgresUrl" (read it with postgresUrl() from @stowage/testdb).
export { postgresGlobalSetup as default } from "./provider.ts";
