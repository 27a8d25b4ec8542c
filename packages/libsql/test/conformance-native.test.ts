// The kit's graph groups again with the native recursive-CTE traversal (the default for remote
// servers), so every traversal case also checks the single-statement walk against core's rules.
import { runConformance } from "@stowage/conformance";
import { createLibsqlDriver } from "../src/index.ts";
import { tempDbUrl } from "./helpers.ts";

const { url } = tempDbUrl("kit-native.db");

runConformance({
  name: "libsql-native",
  open: () => createLibsqlDriver({ url, nativeTraversal: true }),
  groups: ["graph", "model", "spi/neighbors", "spi/closed"],
});
