// @keyv/test-suite against KeyvStowage on the libsql driver.
import { runKeyvSuite } from "./kit.ts";

runKeyvSuite("libsql");
