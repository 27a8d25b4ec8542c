// vitest globalSetup: provides "stowageRedisUrl" (read it with redisUrl() from @stowage/testdb).
export { redisGlobalSetup as default } from "./provider.ts";
