// @keyv/test-suite against KeyvStowage on the redis driver.
import { runKeyvSuite } from "./kit.ts";

runKeyvSuite("redis");
