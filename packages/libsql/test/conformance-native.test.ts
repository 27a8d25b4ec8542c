// The kit's graph groups again with `nativeTraversal: false`: the default (conformance.test.ts)
// traverses in SQL, so this run checks core's level walk over this driver's `neighbors`, and
// both answers are held to the same rules.
import { runConformance } from "@stowage/conformance";
import { createLibsqlDriver } from "../src/index.ts";
import { tempDbUrl } from "./helpers.ts";

const { url } = tempDbUrl("kit-core-walk.db");

runConformance({
  name: "libsql-core-walk",
  open: () => createLibsqlDriver({ url, nativeTraversal: false }),
  groups: ["graph", "model", "spi/neighbors", "spi/closed"],
});
