// @keyv/test-suite against KeyvStowage on the postgres driver.
import { runKeyvSuite } from "./kit.ts";

runKeyvSuite("postgres");
