// vitest globalSetup: provides "stowageRedisClusterUrl" (read it with redisClusterUrl() from @stowage/testdb).
export { redisClusterGlobalSetup as default } from "./provider.ts";
