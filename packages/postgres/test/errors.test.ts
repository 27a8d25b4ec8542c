// Every way openStore("postgres://…") can fail, and what the caller gets: a stowage error class,
// never a raw TypeError or PostgresError; a read-only server or transaction as StorageError
// READ_ONLY; no password in any rendering.
import {
  openStore,
  StorageError,
  StowageError,
  UnavailableError,
  ValidationError,
  createStore,
} from "@stowage/core";
import { errorRenderings } from "@stowage/conformance";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresDriver } from "../src/index.ts";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";

const WRONG = "wrong-Pg-pass-5d1e";
const schema = uniqueSchema("errors");
afterAll(() => dropSchema(schema));

async function failure(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    () => new Error("the call succeeded"),
    (e: unknown) => e,
  );
}

function expectHidden(error: unknown, secret = WRONG): void {
  for (const text of errorRenderings(error)) expect(text).not.toContain(secret);
}

describe("openStore failure paths (PostgreSQL)", () => {
  it.each([
    "postgres://:@",
    "postgres://127.0.0.1:99999/x",
    `postgres://u:${WRONG}@h:port/d`,
    `postgresql://u:${WRONG}@[::1/d`,
  ])("%s is a ValidationError at open, with no password in it", async (url) => {
    const error = await failure(() => openStore(url));
    expect(error).toBeInstanceOf(ValidationError);
    expectHidden(error);
  });

  it("bad options are a ValidationError at open", async () => {
    for (const driverOptions of [{ max: 0 }, { connectTimeoutMs: -5 }, { schema: "bad schema;" }]) {
      const error = await failure(() => openStore(postgresUrl(), { driverOptions }));
      expect(error, JSON.stringify(driverOptions)).toBeInstanceOf(ValidationError);
    }
  });

  it("a dead port or an unknown role opens, and the first call is an UnavailableError without the password", async () => {
    const unknownRole = new URL(postgresUrl());
    unknownRole.username = "stowage_no_such_role";
    unknownRole.password = WRONG;
    for (const url of [`postgres://app:${WRONG}@127.0.0.1:1/none`, unknownRole.href]) {
      const store = await openStore(url, { driverOptions: { connectTimeoutMs: 2_000, schema } });
      const error = await failure(() => store.kv("ns").set("k", 1));
      await store.close();
      expect(error, url.replace(WRONG, "…")).toBeInstanceOf(UnavailableError);
      expectHidden(error);
    }
  });

  it("a read-only server (default_transaction_read_only): StorageError READ_ONLY at the first call", async () => {
    const sql = postgres(postgresUrl(), {
      max: 1,
      onnotice: () => {},
      connection: { default_transaction_read_only: true },
    });
    const store = createStore(createPostgresDriver({ sql, schema: uniqueSchema("ro") }));
    try {
      const error = await failure(() => store.kv("ns").set("k", 1));
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ code: "STORAGE", reason: "READ_ONLY", retryable: false });
      expect(error).toBeInstanceOf(StowageError);
    } finally {
      await store.close();
      await sql.end();
    }
  });
});
