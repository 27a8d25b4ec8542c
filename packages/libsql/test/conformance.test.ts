// The conformance kit against the embedded default: a file database in a temp directory, every
// driver the kit opens over the same file. Traversal here is core's level walk (the local default).
import { runConformance } from "@stowage/conformance";
import { createLibsqlDriver } from "../src/index.ts";
import { tempDbUrl } from "./helpers.ts";

const { url } = tempDbUrl("kit.db");

runConformance({
  name: "libsql",
  open: () => createLibsqlDriver({ url, sweepIntervalMs: 100 }),
  // Nothing listens on port 9 (discard): connection refused, at once.
  openUnreachable: () => createLibsqlDriver({ url: "http://127.0.0.1:9", authToken: "kit-token" }),
});
