// The whole conformance kit with vectorIndex: "hnsw" (approximate vectors through pgvector),
// in a database of its own that has the extension: the vector group's recall case runs here.
import { runConformance } from "@stowage/conformance";
import { afterAll, test } from "vitest";
import { createPostgresDriver } from "../src/index.ts";
import { createDatabase } from "./pgvector-db.ts";

const database = await createDatabase("stowage_kit_pgvector", true);

if ("skip" in database) {
  test.skip(`conformance[postgres-pgvector]: ${database.skip}`, () => {});
} else {
  afterAll(() => database.drop());
  const schema = "kit";
  runConformance({
    name: "postgres-pgvector",
    open: () => createPostgresDriver({ url: database.url, schema, max: 4, vectorIndex: "hnsw" }),
    openUnreachable: () =>
      createPostgresDriver({
        url: "postgres://stowage:secret-pw@127.0.0.1:1/none",
        schema,
        connectTimeoutMs: 500,
        vectorIndex: "hnsw",
      }),
    openWithBadCredentials: (secret) => {
      const bad = new URL(database.url);
      bad.username = "stowage_kit_nobody";
      bad.password = secret;
      return createPostgresDriver({
        url: bad.href,
        schema,
        max: 1,
        connectTimeoutMs: 2_000,
        vectorIndex: "hnsw",
      });
    },
  });
}
