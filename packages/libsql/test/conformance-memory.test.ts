// The kit against `:memory:`: one client (one connection, one in-memory database) shared by every
// driver the kit opens. A client the caller passes in stays open when a driver closes.
import { createClient } from "@libsql/client";
import { runConformance } from "@stowage/conformance";
import { afterAll } from "vitest";
import { createLibsqlDriver } from "../src/index.ts";

const client = createClient({ url: ":memory:" });
afterAll(() => client.close());

runConformance({
  name: "libsql-memory",
  open: () => createLibsqlDriver({ client, sweepIntervalMs: 100 }),
  openUnreachable: () => createLibsqlDriver({ url: "http://127.0.0.1:9" }),
});
