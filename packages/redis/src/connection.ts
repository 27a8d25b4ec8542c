// One ioredis client behind a gate: every call fails within a bounded time with UnavailableError
// when Redis cannot be reached, and with ClosedError after close(). Scripts run by EVALSHA and
// fall back to EVAL (which also caches them) when the server does not know them.

import { createHash } from "node:crypto";
import {
  ClosedError,
  redactUrl,
  StorageError,
  type StorageReason,
  StowageError,
  UnavailableError,
} from "@stowage/core";
import type { ChainableCommander, Redis } from "ioredis";
import type { LuaScript } from "./schema.ts";

/** Server replies that mean "not now" rather than "wrong". */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOAUTH|WRONGPASS)\b/;

/** Replies (also inside a script's error) that mean the server cannot store: an operator must act. */
function storageReason(message: string): StorageReason | undefined {
  if (/\bOOM command not allowed/.test(message)) return "FULL";
  if (/\b(READONLY|MISCONF)\b/.test(message)) return "READ_ONLY";
  return undefined;
}

function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === "ReplyError";
}

function isNoScript(error: unknown): boolean {
  return isReplyError(error) && (error as Error).message.startsWith("NOSCRIPT");
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** Longest wait of close() for the socket to end (it was told to end at once). */
const CLOSE_TIMEOUT_MS = 500;

export interface ConnectionOptions {
  readonly client: Redis;
  /** Whether close() ends the client (false for a client the caller passed in). */
  readonly owned: boolean;
  /** Longest wait for a connection that is being established. */
  readonly connectTimeoutMs: number;
  /** Where the client connects, for messages (already redacted). */
  readonly where: string;
}

export class Connection {
  readonly client: Redis;
  readonly #owned: boolean;
  readonly #connectTimeoutMs: number;
  readonly #where: string;
  readonly #shas = new Map<LuaScript, string>();
  #closed = false;
  #connecting: Promise<void> | undefined;
  #lastError: Error | undefined;
  readonly #onError = (error: Error) => {
    this.#lastError = error;
  };

  constructor(options: ConnectionOptions) {
    this.client = options.client;
    this.#owned = options.owned;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#where = redactUrl(options.where);
    // Without a listener ioredis prints every connection error; the last one becomes a `cause`.
    this.client.on("error", this.#onError);
  }

  get closed(): boolean {
    return this.#closed;
  }

  assertOpen(): void {
    if (this.#closed) throw new ClosedError("the redis driver is closed");
  }

  unavailable(reason: string, cause?: unknown): UnavailableError {
    return new UnavailableError(`redis at ${this.#where} is unavailable: ${reason}`, { cause });
  }

  /** Maps a client error to stowage's errors; server replies that are plain errors pass through. */
  mapError(error: unknown): unknown {
    if (error instanceof StowageError) return error;
    if (this.#closed) return new ClosedError("the redis driver was closed", { cause: error });
    const reason = isReplyError(error) ? storageReason((error as Error).message) : undefined;
    if (reason) {
      return new StorageError(
        reason,
        `redis at ${this.#where} cannot store: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (isReplyError(error) && !UNAVAILABLE_REPLIES.test((error as Error).message)) return error;
    const message = error instanceof Error ? error.message : String(error);
    return this.unavailable(message, error);
  }

  /**
   * Resolves when the client can send. A connection being set up is waited for (bounded); one
   * that is down between reconnection attempts fails at once: fail fast, retry later.
   */
  async ready(): Promise<void> {
    this.assertOpen();
    const client = this.client;
    const status = client.status;
    if (status === "ready") return;
    if (status === "end" || status === "close" || status === "reconnecting") {
      throw this.unavailable(
        `the connection is down (${this.#lastError?.message ?? status})`,
        this.#lastError,
      );
    }
    if (status === "wait") client.connect().catch(() => {});
    // One wait per connection attempt, shared by every call made meanwhile.
    this.#connecting ??= new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        client.off("ready", onReady);
        client.off("error", onFail);
        client.off("close", onClose);
        this.#connecting = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => done();
      const onFail = (error: Error) => done(this.unavailable(error.message, error));
      const onClose = () =>
        done(
          this.unavailable(
            `the connection closed (${this.#lastError?.message ?? "no reason given"})`,
            this.#lastError,
          ),
        );
      const timer = setTimeout(
        () => done(this.unavailable(`no connection within ${this.#connectTimeoutMs} ms`)),
        this.#connectTimeoutMs,
      );
      client.once("ready", onReady);
      client.once("error", onFail);
      client.once("close", onClose);
    });
    try {
      await this.#connecting;
    } catch (error) {
      this.assertOpen(); // closed while waiting: say so, not "unavailable"
      throw error;
    }
    this.assertOpen();
  }

  /** Runs commands on the client once it is ready, with errors mapped. */
  async run<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
    if (this.#closed || this.client.status !== "ready") await this.ready();
    try {
      return await fn(this.client);
    } catch (error) {
      throw this.mapError(error);
    }
  }

  #sha(script: LuaScript): string {
    let sha = this.#shas.get(script);
    if (!sha) this.#shas.set(script, (sha = sha1(script.lua)));
    return sha;
  }

  /** EVALSHA, or EVAL when the server does not have the script (first use, restart, SCRIPT FLUSH). */
  script(
    script: LuaScript,
    keys: readonly (string | Buffer)[],
    args: readonly (string | Buffer | number)[],
  ): Promise<unknown> {
    return this.run(async (client) => {
      try {
        // One array argument (ioredis flattens it): spreading 100k+ items would overflow the stack.
        return await client.evalsha(
          this.#sha(script),
          keys.length,
          (keys as unknown[]).concat(args) as string[],
        );
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return client.eval(script.lua, keys.length, (keys as unknown[]).concat(args) as string[]);
      }
    });
  }

  /**
   * One round trip: the commands `build` queues, in order. Scripts queued with `evalsha(p, …)`
   * are loaded and the whole pipeline sent once more when the server did not know one (every
   * pipeline here is safe to repeat: reads, or a script followed by idempotent commands).
   */
  pipeline(build: (p: ChainableCommander, evalsha: PipelineScript) => void): Promise<unknown[]> {
    return this.run(async (client) => {
      const attempt = async (): Promise<{ results: unknown[]; missing: Set<LuaScript> }> => {
        const p = client.pipeline();
        const used = new Set<LuaScript>();
        build(p, (script, keys, args) => {
          used.add(script);
          p.evalsha(this.#sha(script), keys.length, (keys as unknown[]).concat(args) as string[]);
        });
        const replies = (await p.exec()) ?? [];
        const missing = new Set<LuaScript>();
        const results = replies.map(([error, value]) => {
          if (error && isNoScript(error)) for (const s of used) missing.add(s);
          else if (error) throw error;
          return value;
        });
        return { results, missing };
      };
      let { results, missing } = await attempt();
      if (missing.size > 0) {
        const load = client.pipeline();
        for (const s of missing) load.script("LOAD", s.lua);
        await load.exec();
        ({ results, missing } = await attempt());
        if (missing.size > 0)
          throw new StowageError(
            "redis forgot a script right after loading it (SCRIPT FLUSH running?)",
          );
      }
      return results;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.client;
    if (!this.#owned) {
      client.off("error", this.#onError);
      return;
    }
    // disconnect() closes the socket after what was written (FIN); in-flight calls fail, and
    // fail as ClosedError. No QUIT: its reply timer would outlive close() for handle watchers.
    // Only a live or opening socket ends with an "end" event; between reconnection attempts there
    // is none to wait for.
    const live =
      client.status === "ready" || client.status === "connect" || client.status === "connecting";
    const ended = new Promise<void>((resolve) => {
      if (live) client.once("end", () => resolve());
      else resolve();
    });
    client.disconnect();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      ended,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    // Node reports the destruction of cleared timers (ours and ioredis') asynchronously: let it
    // happen before close() resolves, so that tools watching handles see a clean slate.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The registries (`<prefix>:namespaces`, `<prefix>:graphs`) list every namespace or graph that is
 * not empty: a write that finds it empty registers it (FORGET_IF_EMPTY only forgets empty ones).
 * The first write of a name by this driver registers it in the same round trip; later writes
 * register again only when the script says the name was empty (someone cleared it meanwhile).
 */
export class Registrations {
  readonly #conn: Connection;
  readonly #registry: string;
  readonly #known = new Set<string>();

  constructor(conn: Connection, registry: string) {
    this.#conn = conn;
    this.#registry = registry;
  }

  /**
   * Runs a write script (whose reply says, through `wasEmpty`, whether the name was empty) and
   * keeps the registry true.
   */
  async write<T>(
    name: string,
    script: LuaScript,
    keys: readonly (string | Buffer)[],
    args: readonly (string | Buffer | number)[],
    wasEmpty: (reply: T) => boolean,
  ): Promise<T> {
    if (!this.#known.has(name)) {
      const [reply] = await this.#conn.pipeline((p, evalsha) => {
        evalsha(script, keys, args);
        p.zadd(this.#registry, 0, name);
      });
      if (this.#known.size >= 10_000) this.#known.clear();
      this.#known.add(name);
      return reply as T;
    }
    const reply = (await this.#conn.script(script, keys, args)) as T;
    if (wasEmpty(reply)) await this.#conn.run((c) => c.zadd(this.#registry, 0, name));
    return reply;
  }

  /** After this driver cleared a name: its next write registers it in the same round trip again. */
  forget(name: string): void {
    this.#known.delete(name);
  }
}

export type PipelineScript = (
  script: LuaScript,
  keys: readonly (string | Buffer)[],
  args: readonly (string | Buffer | number)[],
) => void;
