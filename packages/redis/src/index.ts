export type { RedisDriverOptions } from "./driver.ts";
export { createRedisDriver, DEFAULT_URL, openDriver } from "./driver.ts";
