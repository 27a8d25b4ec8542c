// OpenTelemetry spans and db.client.operation.duration of the libSQL driver (db.system.name sqlite).
import { createStore } from "@stowage/core";
import { checkTelemetry, installTelemetry } from "@stowage/testdb/otel";
import { afterAll, it } from "vitest";
import { createLibsqlDriver } from "../src/index.ts";
import { tempDbUrl } from "./helpers.ts";

const telemetry = installTelemetry();
afterAll(() => telemetry.shutdown());

it("spans and durations follow the database semantic conventions", async () => {
  const { url } = tempDbUrl("otel.db");
  const store = createStore(createLibsqlDriver({ url }));
  await checkTelemetry(telemetry, store, "otel_libsql", { system: "sqlite", namespace: "otel.db" });
  await store.close();
});
