// @keyv/test-suite against KeyvStowage on the memory driver.
import { runKeyvSuite } from "./kit.ts";

runKeyvSuite("memory");
