// The conformance kit against the PostgreSQL server of this run, in a schema of its own.
import { runConformance } from "@stowage/conformance";
import { afterAll } from "vitest";
import { createPostgresDriver } from "../src/index.ts";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";

const schema = uniqueSchema("kit");
afterAll(() => dropSchema(schema));

runConformance({
  name: "postgres",
  open: () => createPostgresDriver({ url: postgresUrl(), schema, max: 4 }),
  openUnreachable: () =>
    createPostgresDriver({
      url: "postgres://stowage:secret-pw@127.0.0.1:1/none",
      schema,
      connectTimeoutMs: 500,
    }),
  // The run's server with a role it does not have: refused whatever its authentication setup.
  openWithBadCredentials: (secret) => {
    const bad = new URL(postgresUrl());
    bad.username = "stowage_kit_nobody";
    bad.password = secret;
    return createPostgresDriver({ url: bad.href, schema, max: 1, connectTimeoutMs: 2_000 });
  },
});
