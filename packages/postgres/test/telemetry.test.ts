// OpenTelemetry spans and db.client.operation.duration of the PostgreSQL driver: db.system.name
// postgresql, db.namespace the database, server.address/port, never the password.
import { createStore } from "@stowage/core";
import { checkTelemetry, installTelemetry } from "@stowage/testdb/otel";
import { afterAll, it } from "vitest";
import { createPostgresDriver } from "../src/index.ts";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";

const telemetry = installTelemetry();
const schema = uniqueSchema("otel");
afterAll(async () => {
  await telemetry.shutdown();
  await dropSchema(schema);
});

it("spans and durations follow the database semantic conventions", async () => {
  const url = new URL(postgresUrl());
  const store = createStore(createPostgresDriver({ url: url.toString(), schema }));
  await checkTelemetry(telemetry, store, "otel_pg", {
    system: "postgresql",
    namespace: decodeURIComponent(url.pathname.slice(1)),
    server: { address: url.hostname, port: Number(url.port || 5432) },
    ...(url.password ? { secrets: [decodeURIComponent(url.password)] } : {}),
  });
  await store.close();
});
