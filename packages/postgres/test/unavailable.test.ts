// Connection refused, authentication failed and timeouts become UnavailableError, with the
// driver's error as cause and never the password in the message.
import net from "node:net";
import { UnavailableError, createStore } from "@stowage/core";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresDriver } from "../src/index.ts";
import { dropSchema, postgresUrl, uniqueSchema } from "./db.ts";

const PASSWORD = "s3cret-Pa55word";
const url = postgresUrl();
const schema = uniqueSchema("unavail");

afterAll(() => dropSchema(schema));

async function expectUnavailable(promise: Promise<unknown>): Promise<UnavailableError> {
  const error = await promise.then(
    () => {
      throw new Error("expected an UnavailableError, but the call succeeded");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnavailableError);
  const e = error as UnavailableError;
  expect(e.retryable).toBe(true);
  expect(e.cause).toBeDefined();
  expect(e.message).not.toContain(PASSWORD);
  expect(String(e.stack)).not.toContain(PASSWORD);
  return e;
}

describe("UnavailableError", () => {
  it("when the connection is refused", async () => {
    const driver = createPostgresDriver({
      url: `postgres://stowage:${PASSWORD}@127.0.0.1:1/none`,
      connectTimeoutMs: 2000,
    });
    const e = await expectUnavailable(createStore(driver).kv("x").get("k"));
    expect(e.message).toMatch(/ECONNREFUSED/);
    await expectUnavailable(driver.ping());
    await driver.close();
  });

  it("when connecting times out", async () => {
    // A server that accepts the connection and never answers.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    const driver = createPostgresDriver({
      url: `postgres://stowage:${PASSWORD}@127.0.0.1:${port}/none`,
      connectTimeoutMs: 300,
    });
    try {
      const e = await expectUnavailable(createStore(driver).kv("x").set("k", 1));
      expect(e.message).toMatch(/CONNECT_TIMEOUT/);
    } finally {
      await driver.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("when authentication fails", async () => {
    // With a password in the test URL, a wrong one fails; with trust authentication (no
    // password), only an unknown role can fail to authenticate.
    const wrong = new URL(url);
    if (wrong.password) wrong.password = PASSWORD;
    else wrong.username = "stowage_no_such_role";
    if (!wrong.password) wrong.password = PASSWORD;
    const driver = createPostgresDriver({ url: wrong.toString(), schema, connectTimeoutMs: 5000 });
    const e = await expectUnavailable(createStore(driver).kv("x").get("k"));
    expect((e.cause as { code?: string }).code).toMatch(/^28/);
    await driver.close();
  });

  it("when a statement times out", async () => {
    const driver = createPostgresDriver({ url, schema, max: 1, statementTimeoutMs: 200 });
    const store = createStore(driver);
    const kv = store.kv<number>("locked");
    await kv.set("k", 1);
    // Another session holds the row: the driver's write waits until its statement_timeout.
    const holder = postgres(url, { max: 1, onnotice: () => {} });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const locked = new Promise<void>((resolve, reject) => {
      holder
        .begin(async (tx) => {
          await tx.unsafe(
            `SELECT 1 FROM "${schema}".kv WHERE ns = 'locked' AND key = 'k' FOR UPDATE`,
          );
          resolve();
          await held;
        })
        .catch(reject);
    });
    await locked;
    try {
      const e = await expectUnavailable(kv.set("k", 2));
      expect((e.cause as { code?: string }).code).toBe("57014");
    } finally {
      release();
      await holder.end();
    }
    expect(await kv.get("k")).toBe(1);
    await store.close();
  });
});
