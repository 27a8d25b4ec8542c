// One ioredis client (a single node's, or a Cluster) behind a gate: every call fails within a
// bounded time with UnavailableError when Redis cannot be reached, and with ClosedError after
// close(). Scripts run by EVALSHA and fall back to EVAL (which also caches them on the node that
// ran it) when the server does not know them.

import { createHash } from "node:crypto";
import {
  ClosedError,
  redactUrl,
  StorageError,
  type StorageReason,
  StowageError,
  UnavailableError,
} from "@stowage/core";
import type { ChainableCommander, Cluster, Redis } from "ioredis";
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

/** A single-node client or a Cluster: the commands the driver sends exist on both. */
export type Client = Redis | Cluster;

export interface ConnectionOptions {
  readonly client: Client;
  /** Whether close() ends the client (false for a client the caller passed in). */
  readonly owned: boolean;
  /** Longest wait for a connection that is being established. */
  readonly connectTimeoutMs: number;
  /** Where the client connects, for messages (already redacted). */
  readonly where: string;
  /**
   * A bound on every call, set for clusters: a command the Cluster client delays (CLUSTERDOWN
   * retries, its offline queue while it reconnects) has no reply timer of its own.
   */
  readonly callTimeoutMs?: number;
  /** Replicas that must have each write before it is acknowledged (WAIT); 0: none. */
  readonly waitReplicas?: number;
  readonly waitTimeoutMs?: number;
}

export class Connection {
  readonly client: Client;
  /** A Redis Cluster: commands on keys of different slots may go to different nodes. */
  readonly cluster: boolean;
  readonly #owned: boolean;
  readonly #connectTimeoutMs: number;
  readonly #where: string;
  readonly #callTimeoutMs: number | undefined;
  readonly #waitReplicas: number;
  readonly #waitTimeoutMs: number;
  readonly #shas = new Map<LuaScript, string>();
  #closed = false;
  #connecting: Promise<void> | undefined;
  #lastError: Error | undefined;
  readonly #onError = (error: Error) => {
    this.#lastError = error;
  };

  constructor(options: ConnectionOptions) {
    this.client = options.client;
    this.cluster = options.client.isCluster;
    this.#owned = options.owned;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#where = redactUrl(options.where);
    this.#callTimeoutMs = options.callTimeoutMs;
    this.#waitReplicas = options.waitReplicas ?? 0;
    this.#waitTimeoutMs = options.waitTimeoutMs ?? 1_000;
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
    return new UnavailableError(
      `redis at ${this.#where} is unavailable: ${explain(reason, cause)}`,
      {
        cause,
      },
    );
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
  async run<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    if (this.#closed || this.client.status !== "ready") await this.ready();
    try {
      const reply = fn(this.client);
      return await (this.#callTimeoutMs === undefined
        ? reply
        : this.#bounded(reply, this.#callTimeoutMs));
    } catch (error) {
      throw this.mapError(error);
    }
  }

  #bounded<T>(reply: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(this.unavailable(`no reply within ${ms} ms (the command may still run)`)),
        ms,
      );
    });
    return Promise.race([reply, late]).finally(() => clearTimeout(timer));
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
   * One round trip: the commands `build` queues, in order (on a cluster, all on keys of one slot).
   * When the server did not know a script queued with `evalsha(p, …)`, the whole pipeline is sent
   * once more with that script as EVAL, which also caches it on that node (every pipeline here is
   * safe to repeat: reads, or a script followed by idempotent commands).
   */
  pipeline(build: (p: ChainableCommander, evalsha: PipelineScript) => void): Promise<unknown[]> {
    return this.run(async (client) => {
      const attempt = async (
        send: ReadonlySet<LuaScript>,
      ): Promise<{ results: unknown[]; missing: Set<LuaScript> }> => {
        const p = client.pipeline();
        const used = new Set<LuaScript>();
        build(p, (script, keys, args) => {
          used.add(script);
          const flat = (keys as unknown[]).concat(args) as string[];
          if (send.has(script)) p.eval(script.lua, keys.length, flat);
          else p.evalsha(this.#sha(script), keys.length, flat);
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
      const once = async () => {
        let { results, missing } = await attempt(new Set());
        if (missing.size > 0) ({ results } = await attempt(missing));
        return results;
      };
      return this.cluster ? this.#redirected(client as Cluster, once) : once();
    });
  }

  /**
   * Runs a cluster pipeline again after a redirection. ioredis follows MOVED / ASK / TRYAGAIN /
   * CLUSTERDOWN for a pipeline only when all its other commands are reads, and a write's WAIT is
   * not. Such a reply to the first keyed command means the node ran none of them (they are all
   * on one slot; a WAIT that ran alone changes nothing), so sending the pipeline again is safe.
   */
  async #redirected(client: Cluster, once: () => Promise<unknown[]>): Promise<unknown[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (error) {
        const reply = isReplyError(error) ? (error as Error).message : "";
        const kind = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b/.exec(reply)?.[1];
        if (!kind || attempt >= 16) throw error;
        await new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve()));
        if (kind !== "MOVED") await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /**
   * A write script, and the commands `also` queues after it (on keys of the same slot), in one
   * round trip. With `waitReplicas`, a WAIT follows on the same node: the write is acknowledged
   * only once that many replicas have it, else UnavailableError (it is applied on the master, and
   * may be lost if the master fails before a replica gets it).
   */
  async write(
    script: LuaScript,
    keys: readonly (string | Buffer)[],
    args: readonly (string | Buffer | number)[],
    also?: (p: ChainableCommander) => void,
  ): Promise<unknown> {
    const wait = this.#waitReplicas;
    if (wait === 0 && !also) return this.script(script, keys, args);
    const replies = await this.pipeline((p, evalsha) => {
      evalsha(script, keys, args);
      also?.(p);
      if (wait > 0) p.call("WAIT", wait, this.#waitTimeoutMs);
    });
    if (wait > 0) {
      const acked = replies[replies.length - 1] as number;
      if (acked < wait) {
        throw this.unavailable(
          `the write reached ${acked} of ${wait} replicas within ${this.#waitTimeoutMs} ms: it is applied on the master and may be lost if the master fails`,
        );
      }
    }
    return replies[0];
  }

  /**
   * Commands on keys of any slots (e.g. one per namespace), replies in order: one pipeline on a
   * single node; on a cluster, every command to its node, all sent at once.
   */
  fanOut(commands: readonly (readonly [string, ...(string | number)[]])[]): Promise<unknown[]> {
    if (!this.cluster) {
      return this.pipeline((p) => {
        for (const [name, ...args] of commands) p.call(name, ...args);
      });
    }
    return this.run((client) =>
      Promise.all(commands.map(([name, ...args]) => client.call(name, ...args))),
    );
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

export type PipelineScript = (
  script: LuaScript,
  keys: readonly (string | Buffer)[],
  args: readonly (string | Buffer | number)[],
) => void;

/** ClusterAllFailedError carries the last node's error ("ERR This instance has cluster support disabled"). */
function explain(reason: string, cause: unknown): string {
  const last = (cause as { lastNodeError?: Error } | undefined)?.lastNodeError?.message;
  if (!last) return reason;
  if (/cluster support disabled/i.test(last))
    return `it is not a Redis Cluster (${last}): use redis:// for a single server`;
  return `${reason} (${last})`;
}
