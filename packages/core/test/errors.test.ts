// The secret scrubber and the rule that only StowageErrors leave the library: unit cases for the
// scrubber, a driver whose every method throws raw errors full of secrets, and every failure path
// of core's openStore (each driver package tests its own in its errors.test.ts).
import { inspect } from "node:util";
import { createMemoryDriver } from "@stowage/memory";
import { describe, expect, it } from "vitest";
import {
  ConflictError,
  createStore,
  type Driver,
  exportRecords,
  importRecords,
  openStore,
  registerDriver,
  registerSecret,
  StorageError,
  StowageError,
  UnavailableError,
  ValidationError,
} from "../src/index.ts";

const SECRET = "hunter2-Secret-Value";

/** What a logger may print: inspect to any depth (hidden fields too), JSON, String, each cause. */
function errorRenderings(error: unknown): string[] {
  const out = [inspect(error, { depth: Infinity, showHidden: true }), JSON.stringify(error) ?? ""];
  for (let e = error, i = 0; e !== null && e !== undefined && i < 20; i++) {
    out.push(
      String(e),
      String((e as Error).stack),
      inspect(e, { depth: Infinity, showHidden: true }),
    );
    e = typeof e === "object" ? (e as { cause?: unknown }).cause : undefined;
  }
  return out;
}

function expectHidden(error: unknown, secret = SECRET): void {
  for (const text of errorRenderings(error)) expect(text).not.toContain(secret);
}

/** ioredis: the failed command and its arguments ride on the error. */
function replyError(): Error {
  class ReplyError extends Error {
    override name = "ReplyError";
  }
  return Object.assign(new ReplyError("WRONGPASS invalid username-password pair"), {
    command: { name: "auth", args: ["default", SECRET] },
  });
}

/** postgres.js: the query and its parameters, hidden unless `debug`. */
function postgresError(): Error {
  const error = Object.assign(new Error('password authentication failed for user "app"'), {
    code: "28P01",
    severity: "FATAL",
  });
  Object.defineProperty(error, "query", {
    value: `ALTER ROLE app PASSWORD '${SECRET}'`,
    enumerable: false,
  });
  Object.defineProperty(error, "parameters", { value: [SECRET], enumerable: false });
  return error;
}

describe("the secret scrubber", () => {
  it("drops ioredis command arguments but keeps the command name, code and prototype", () => {
    const cause = replyError();
    const error = new UnavailableError("redis is unavailable", { cause });
    expectHidden(error);
    const copy = error.cause as Error & { command?: unknown };
    expect(copy).not.toBe(cause);
    expect(copy.name).toBe("ReplyError");
    expect(copy).toBeInstanceOf(cause.constructor as new () => Error);
    expect(copy.command).toEqual({ name: "auth" });
    expect(copy.message).toBe(cause.message);
  });

  it("drops postgres.js parameters, redacts the query, keeps SQLSTATE fields", () => {
    registerSecret(SECRET);
    const error = new StowageError("failed", { cause: postgresError() });
    expectHidden(error);
    expect(error.cause).toMatchObject({ code: "28P01", severity: "FATAL" });
    expect((error.cause as { query?: string }).query).toContain("ALTER ROLE app PASSWORD '***'");
  });

  it("redacts URL passwords, key=value secrets and registered secrets in messages, stacks and every cause", () => {
    registerSecret("plain-registered-pw");
    const deep = new Error(
      "connect to postgres://app:url-pw-123@db:5432/x failed; password=kv-pw-456",
    );
    const middle = new TypeError("plain-registered-pw was refused", { cause: deep });
    const error = new UnavailableError("outer redis://:url-pw-123@h", { cause: middle });
    for (const secret of ["url-pw-123", "kv-pw-456", "plain-registered-pw"])
      expectHidden(error, secret);
    expect(((error.cause as Error).cause as Error).message).toContain(
      "postgres://app:***@db:5432/x",
    );
  });

  it("masks a URL password with @ or : in it, up to the host", async () => {
    const { redactSecrets } = await import("../src/index.ts");
    expect(redactSecrets("redis://u:p@ss:w@host:6379/0 failed")).toBe(
      "redis://u:***@host:6379/0 failed",
    );
    expect(redactSecrets("at redis://host:6379 and postgres://db/x")).toBe(
      "at redis://host:6379 and postgres://db/x",
    );
  });

  it("drops Node's URL error input (the whole URL), keeps AggregateError members, survives cycles", () => {
    const urlError = Object.assign(new TypeError("Invalid URL"), {
      code: "ERR_INVALID_URL",
      input: `redis://:${SECRET}@:99999`,
    });
    const aggregate = new AggregateError([urlError, replyError()], "all failed");
    const cyclic: Error & { cause?: unknown } = new Error("cyclic");
    cyclic.cause = cyclic;
    const error = new StowageError("failed", { cause: aggregate });
    expectHidden(error);
    expect((error.cause as AggregateError).errors).toHaveLength(2);
    expect(((error.cause as AggregateError).errors[0] as { code?: string }).code).toBe(
      "ERR_INVALID_URL",
    );
    expect(() =>
      inspect(new StowageError("c", { cause: cyclic }), { depth: Infinity }),
    ).not.toThrow();
  });

  it("scrubs thrown values that are not errors", () => {
    const error = new StowageError("failed", {
      cause: { message: "x", password: SECRET, nested: { token: SECRET } },
    });
    expectHidden(error);
    expectHidden(new StowageError("failed", { cause: `auth with redis://u:${SECRET}@h` }));
  });

  it("copies host errors whose name and message are prototype getters (DOMException)", () => {
    const dom = new DOMException(`timed out for redis://u:${SECRET}@h`, "TimeoutError");
    const error = new UnavailableError("timeout", { cause: dom });
    expectHidden(error);
    expect(error.cause).toMatchObject({ name: "TimeoutError", code: 23 });
    expect(String(error.cause)).toContain("TimeoutError: timed out for redis://u:***@h");
  });

  it("keeps an explicit cause: undefined and a StowageError cause as it is", () => {
    expect(Object.hasOwn(new StowageError("x", { cause: undefined }), "cause")).toBe(true);
    const inner = new ConflictError("conflict", ["k"]);
    expect(new StowageError("x", { cause: inner }).cause).toBe(inner);
  });
});

/** A driver whose every method throws a raw error carrying a secret. */
function hostileDriver(): Driver {
  const inner = createMemoryDriver();
  const fail = async () => {
    throw Object.assign(new TypeError(`socket closed (redis://u:${SECRET}@h)`), {
      command: { name: "auth", args: [SECRET] },
    });
  };
  const wrap = <T extends object>(part: T): T =>
    Object.fromEntries(
      Object.keys(part).map((k) => [
        k,
        typeof (part as Record<string, unknown>)[k] === "function"
          ? fail
          : (part as Record<string, unknown>)[k],
      ]),
    ) as T;
  return {
    ...inner,
    kv: wrap(inner.kv),
    graph: inner.graph && wrap(inner.graph),
    ping: fail,
    close: fail,
  };
}

describe("only StowageErrors leave a store", () => {
  it("every public method turns a raw driver error into a scrubbed StowageError", async () => {
    registerSecret(SECRET);
    const store = createStore(hostileDriver());
    const kv = store.kv("ns");
    const g = store.graph("g");
    const collect = async (it: AsyncIterable<unknown>) => {
      for await (const _ of it) {
      }
    };
    const calls: [string, () => Promise<unknown>][] = [
      ["get", () => kv.get("k")],
      ["getMany", () => kv.getMany(["k"])],
      ["has", () => kv.has("k")],
      ["missing", () => kv.missing(["k"])],
      ["set", () => kv.set("k", 1)],
      ["setMany", () => kv.setMany([{ key: "k", value: 1 }])],
      ["update", () => kv.update("k", () => 1)],
      ["delete", () => kv.delete("k")],
      ["deleteMany", () => kv.deleteMany(["k"])],
      ["list", () => kv.list()],
      ["keys", () => collect(kv.keys())],
      ["entries", () => collect(kv.entries())],
      ["count", () => kv.count()],
      ["clear", () => kv.clear()],
      ["upsertNodes", () => g.upsertNodes([{ id: "a" }])],
      ["upsertEdges", () => g.upsertEdges([{ from: "a", type: "r", to: "b" }])],
      ["getNodes", () => g.getNodes(["a"])],
      ["getEdges", () => g.getEdges([{ from: "a", type: "r", to: "b" }])],
      ["deleteNodes", () => g.deleteNodes(["a"])],
      ["deleteEdges", () => g.deleteEdges([{ from: "a", type: "r", to: "b" }])],
      ["neighbors", () => g.neighbors("a")],
      ["degree", () => g.degree("a")],
      ["traverse", () => g.traverse("a", { maxDepth: 2 })],
      ["findPaths", () => g.findPaths("a", "b", { maxDepth: 2 })],
      ["shortestPath", () => g.shortestPath("a", "b", { maxDepth: 2 })],
      ["listNodes", () => g.listNodes()],
      ["listEdges", () => g.listEdges()],
      ["nodes", () => collect(g.nodes())],
      ["edges", () => collect(g.edges())],
      ["stats", () => g.stats()],
      ["graph clear", () => g.clear()],
      ["namespaces", () => store.namespaces()],
      ["graphs", () => store.graphs()],
      ["ping", () => store.ping()],
      ["export", () => collect(exportRecords(store))],
      [
        "import",
        () =>
          importRecords(store, [{ kind: "kv", ns: "ns", key: "k", value: "1", expiresAt: null }]),
      ],
      ["close", () => store.close()],
    ];
    for (const [what, call] of calls) {
      const error = await call().then(
        () => new Error(`${what} did not fail`),
        (e: unknown) => e,
      );
      expect(error, what).toBeInstanceOf(StowageError);
      expect((error as StowageError).code, what).toBe("DRIVER");
      expectHidden(error);
    }
  });

  it("stored data that does not decode is a StorageError CORRUPT", async () => {
    const inner = createMemoryDriver();
    const garbage: Driver = {
      ...inner,
      kv: {
        ...inner.kv,
        getMany: async (_ns, keys) =>
          keys.map(() => ({ value: "{not json", version: 1, expiresAt: null })),
      },
    };
    const error = await createStore(garbage)
      .kv("n")
      .get("k")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ reason: "CORRUPT" });
  });

  it("update() lets the caller's own error through untouched", async () => {
    const store = createStore(createMemoryDriver());
    const mine = new RangeError("mine");
    await expect(
      store.kv("n").update("k", () => {
        throw mine;
      }),
    ).rejects.toBe(mine);
  });
});

describe("openStore failure paths (core)", () => {
  it("each is a stowage error class with no secret in any rendering", async () => {
    registerSecret(SECRET);
    registerDriver("hostile-open", async () => ({
      openDriver: async () => {
        throw Object.assign(new TypeError(`cannot parse redis://u:${SECRET}@h`), {
          input: `x://u:${SECRET}@h`,
        });
      },
    }));
    registerDriver("hostile-load", async () => {
      throw new SyntaxError(`Unexpected token in module (token=${SECRET})`);
    });
    registerDriver("no-open", async () => ({}) as never);
    registerDriver("not-a-driver", async () => ({ openDriver: async () => ({}) as never }));
    const cases: [string | Driver, new (...args: never[]) => StowageError][] = [
      ["not a url", ValidationError],
      [`mongodb://u:${SECRET}@h/db`, ValidationError],
      [`hostile-open://u:${SECRET}@h`, StowageError],
      [`hostile-load://u:${SECRET}@h`, StowageError],
      [`no-open://u:${SECRET}@h`, StowageError],
      [`not-a-driver://u:${SECRET}@h`, ValidationError],
      [{} as Driver, ValidationError],
    ];
    for (const [target, type] of cases) {
      const error = await openStore(target).then(
        () => new Error(`openStore(${String(target)}) did not fail`),
        (e: unknown) => e,
      );
      expect(error, String(target)).toBeInstanceOf(type);
      expectHidden(error);
    }
    expect(() => registerDriver("Bad Scheme", async () => ({}) as never)).toThrow(ValidationError);
    expect(() => createStore(createMemoryDriver(), { maxValueBytes: -1 })).toThrow(ValidationError);
    expect(() => createStore(undefined as never)).toThrow(ValidationError);
  });

  it("StorageError carries its reason and the STORAGE code, and is not retryable", () => {
    const error = new StorageError("FULL", "disk full");
    expect(error).toBeInstanceOf(StowageError);
    expect([error.code, error.reason, error.retryable, error.name]).toEqual([
      "STORAGE",
      "FULL",
      false,
      "StorageError",
    ]);
  });
});
