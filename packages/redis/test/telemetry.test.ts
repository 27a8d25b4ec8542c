// OpenTelemetry spans and db.client.operation.duration of the Redis driver: db.system.name redis,
// db.namespace the database index, server.address/port, never the password.
import { createStore } from "@stowage/core";
import { checkTelemetry, installTelemetry } from "@stowage/testdb/otel";
import { afterAll, it } from "vitest";
import { createRedisDriver } from "../src/index.ts";
import { deletePrefix, testRedisUrl, uniquePrefix } from "./db.ts";

const telemetry = installTelemetry();
const prefix = uniquePrefix("otel");
afterAll(async () => {
  await telemetry.shutdown();
  await deletePrefix(testRedisUrl(), prefix);
});

it("spans and durations follow the database semantic conventions", async () => {
  const url = new URL(testRedisUrl());
  const store = createStore(createRedisDriver({ url: url.toString(), prefix }));
  await checkTelemetry(telemetry, store, "otel_redis", {
    system: "redis",
    namespace: url.pathname.length > 1 ? url.pathname.slice(1) : "0",
    server: { address: url.hostname, port: Number(url.port || 6379) },
    ...(url.password ? { secrets: [decodeURIComponent(url.password)] } : {}),
  });
  await store.close();
});
