export { createRedisDriver, openDriver, DEFAULT_URL } from "./driver.ts";
export type { RedisDriverOptions } from "./driver.ts";
