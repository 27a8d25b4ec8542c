// Every way openStore("redis://…") can fail, and what the caller gets: a stowage error class,
// never a raw TypeError or ReplyError; a wrong password in no rendering of the error; a server out
// of memory or read-only (a replica) as StorageError. Server-side cases run on a private
// redis-server (random port) so the shared one is never reconfigured.
import { type ChildProcess, spawn } from "node:child_process";
import {
  openStore,
  StorageError,
  type Store,
  UnavailableError,
  ValidationError,
} from "@stowage/core";
import { errorRenderings } from "@stowage/conformance";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, REDIS_SERVER } from "./private-server.ts";

const WRONG = "wrong-Redis-pass-7f3a";

async function failure(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    () => new Error("the call succeeded"),
    (e: unknown) => e,
  );
}

function expectHidden(error: unknown, secret: string): void {
  for (const text of errorRenderings(error)) expect(text).not.toContain(secret);
}

describe("openStore failure paths (Redis URL)", () => {
  it.each([
    "redis://:@",
    "redis://127.0.0.1:99999",
    `redis://:${WRONG}@`,
    `redis://user:${WRONG}@host:port`,
    `rediss://u:${WRONG}@[::1`,
  ])("%s is a ValidationError at open, with no password in it", async (url) => {
    const error = await failure(() => openStore(url));
    expect(error).toBeInstanceOf(ValidationError);
    expectHidden(error, WRONG);
  });

  it("bad options are a ValidationError at open", async () => {
    const error = await failure(() =>
      openStore("redis://127.0.0.1:6379", { driverOptions: { connectTimeoutMs: -1 } }),
    );
    expect(error).toBeInstanceOf(ValidationError);
  });

  it("a dead port opens, and the first call is an UnavailableError without the password", async () => {
    const store = await openStore(`redis://default:${WRONG}@127.0.0.1:1`, {
      driverOptions: { connectTimeoutMs: 500 },
    });
    const error = await failure(() => store.kv("ns").get("k"));
    await store.close();
    expect(error).toBeInstanceOf(UnavailableError);
    expectHidden(error, WRONG);
  });
});

class PrivateRedis {
  process: ChildProcess | undefined;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.process = spawn(
      REDIS_SERVER as string,
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    const client = this.admin();
    try {
      for (let i = 0; ; i++) {
        try {
          await client.ping();
          return;
        } catch (error) {
          if (i > 100) throw error;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      client.disconnect();
    }
  }

  admin(password?: string): Redis {
    const client = new Redis({
      port: this.port,
      host: "127.0.0.1",
      lazyConnect: false,
      maxRetriesPerRequest: 0,
      ...(password ? { password } : {}),
    });
    client.on("error", () => {});
    return client;
  }

  async config(...args: string[]): Promise<void> {
    const client = this.admin();
    try {
      await client.call(...(args as [string, ...string[]]));
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    const p = this.process;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await exited;
  }
}

describe.skipIf(!REDIS_SERVER)("a private redis-server (misconfigured on purpose)", () => {
  const server = new PrivateRedis();
  let store: Store;
  beforeAll(async () => {
    await server.start();
    store = await openStore(`redis://127.0.0.1:${server.port}`, {
      driverOptions: { prefix: "errors-test" },
    });
  });
  afterAll(async () => {
    await store?.close();
    await server.stop();
  });

  it("out of memory (maxmemory, noeviction): StorageError FULL, for plain commands and scripts", async () => {
    await server.config("CONFIG", "SET", "maxmemory", "1");
    try {
      for (const call of [
        () => store.kv("ns").set("k", "x".repeat(1000)),
        () => store.graph("g").upsertNode({ id: "a" }),
      ]) {
        const error = await failure(call);
        expect(error).toBeInstanceOf(StorageError);
        expect(error).toMatchObject({ code: "STORAGE", reason: "FULL" });
      }
    } finally {
      await server.config("CONFIG", "SET", "maxmemory", "0");
    }
    await store.kv("ns").set("k", 1);
  });

  it("a read-only replica: StorageError READ_ONLY for writes, reads still work", async () => {
    await store.kv("ns").set("r", 1);
    await server.config("REPLICAOF", "127.0.0.1", "1");
    try {
      const error = await failure(() => store.kv("ns").set("r", 2));
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ reason: "READ_ONLY" });
    } finally {
      await server.config("REPLICAOF", "NO", "ONE");
    }
  });

  it("a wrong password (requirepass): UnavailableError at the first call, the password in no rendering", async () => {
    const right = "right-Redis-pass-19c2";
    await server.config("CONFIG", "SET", "requirepass", right);
    try {
      for (const url of [
        `redis://:${WRONG}@127.0.0.1:${server.port}`,
        `redis://default:${WRONG}@127.0.0.1:${server.port}`,
      ]) {
        const bad = await openStore(url, { driverOptions: { connectTimeoutMs: 2_000 } });
        for (const call of [
          () => bad.ping(),
          () => bad.kv("ns").set("k", 1),
          () => bad.graph("g").getNode("a"),
        ]) {
          const error = await failure(call);
          expect(error).toBeInstanceOf(UnavailableError);
          expectHidden(error, WRONG);
        }
        await bad.close();
      }
    } finally {
      const admin = server.admin(right);
      await admin.config("SET", "requirepass", "");
      admin.disconnect();
    }
  });
});
