// The Keyv 5 comparison: the same KV jobs through Keyv with its official adapter for the same
// backend (@keyv/sqlite, @keyv/postgres, @keyv/redis; Keyv's built-in Map for memory), at default
// settings except durability, which is made equal to stowage's and printed. Keyv has no ordered
// listing, count or compare-and-set, so only get/set/delete, the batches, iterate and clear have a
// Keyv row. Keyv reports store errors as events, not rejections: every call here rethrows them, so
// a failing adapter can never look fast.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type BackendOptions, firstLine, isSkip, type Skip } from "./backend.ts";
import type { BenchValue, RawOps } from "./scenarios.ts";

/** The Keyv side of a backend: RawOps for the jobs Keyv does, plus whole-namespace iteration. */
export interface KeyvOps extends RawOps {
  /** `keyv.iterator()` over one Keyv namespace: Keyv cannot iterate a key prefix. */
  iterateNamespace(ns: string): Promise<number>;
}

export interface KeyvSide {
  readonly ops: KeyvOps;
  readonly detail: string;
  durability(): Promise<string>;
  close(): Promise<void>;
}

// Keyv's public surface as used here (the package's own types are generic over the adapter).
interface KeyvLike {
  get(key: string): Promise<unknown>;
  getMany(keys: string[]): Promise<unknown[]>;
  set(key: string, value: unknown, ttl?: number): Promise<boolean>;
  setMany(entries: { key: string; value: unknown; ttl?: number }[]): Promise<boolean[]>;
  delete(key: string): Promise<boolean>;
  deleteMany(keys: string[]): Promise<boolean>;
  clear(): Promise<void>;
  iterator?: () => AsyncGenerator<unknown>;
  disconnect(): Promise<void>;
  on(event: "error", fn: (error: unknown) => void): unknown;
}

type KeyvCtor = new (options: Record<string, unknown>) => KeyvLike;
type AdapterCtor = new (options: unknown) => Record<string, unknown>;

async function importDefault<T>(pkg: string, named: string): Promise<T | Skip> {
  try {
    const mod = (await import(pkg)) as Record<string, unknown>;
    const value = mod[named] ?? mod.default;
    if (typeof value !== "function") return { skip: `${pkg} exports no ${named}` };
    return value as T;
  } catch (error) {
    return { skip: `${pkg} could not be loaded (${firstLine(error)})` };
  }
}

/** One Keyv per namespace (a Keyv instance has one), created on first use, errors rethrown. */
class KeyvSet implements KeyvOps {
  readonly #open: (ns: string) => KeyvLike;
  readonly #byNs = new Map<string, KeyvLike>();
  #error: unknown;

  constructor(open: (ns: string) => KeyvLike) {
    this.#open = open;
  }

  #keyv(ns: string): KeyvLike {
    let k = this.#byNs.get(ns);
    if (!k) {
      k = this.#open(ns);
      k.on("error", (error) => {
        this.#error ??= error;
      });
      this.#byNs.set(ns, k);
    }
    return k;
  }

  async #call<T>(ns: string, fn: (k: KeyvLike) => Promise<T>): Promise<T> {
    const out = await fn(this.#keyv(ns));
    if (this.#error !== undefined) {
      const error = this.#error;
      this.#error = undefined;
      throw new Error(`keyv: ${firstLine(error)}`);
    }
    return out;
  }

  set(ns: string, key: string, value: BenchValue) {
    return this.#call(ns, (k) => k.set(key, value));
  }
  setWithTtl(ns: string, key: string, value: BenchValue, ttlMs: number) {
    return this.#call(ns, (k) => k.set(key, value, ttlMs));
  }
  get(ns: string, key: string) {
    return this.#call(ns, (k) => k.get(key) as Promise<BenchValue | undefined>);
  }
  delete(ns: string, key: string) {
    return this.#call(ns, (k) => k.delete(key));
  }
  setMany(ns: string, items: readonly { key: string; value: BenchValue }[]) {
    return this.#call(ns, (k) => k.setMany(items.map((i) => ({ key: i.key, value: i.value }))));
  }
  getMany(ns: string, keys: readonly string[]) {
    return this.#call(ns, (k) => k.getMany([...keys]) as Promise<(BenchValue | undefined)[]>);
  }
  deleteMany(ns: string, keys: readonly string[]) {
    return this.#call(ns, (k) => k.deleteMany([...keys]));
  }
  clear(ns: string) {
    return this.#call(ns, (k) => k.clear());
  }
  iterateNamespace(ns: string) {
    return this.#call(ns, async (k) => {
      if (!k.iterator) throw new Error("this Keyv store has no iterator");
      let n = 0;
      for await (const _ of k.iterator()) n++;
      return n;
    });
  }

  async disconnect(): Promise<void> {
    for (const k of this.#byNs.values()) await k.disconnect().catch(() => {});
    this.#byNs.clear();
  }
}

/**
 * Opens the Keyv side for a backend, or says why it cannot. `run` names the Keyv table/prefix so
 * nothing collides; `close()` removes what this run wrote.
 */
export async function openKeyv(
  backend: string,
  run: string,
  options: BackendOptions,
): Promise<KeyvSide | Skip> {
  const Keyv = await importDefault<KeyvCtor>("keyv", "Keyv");
  if (isSkip(Keyv)) return Keyv;
  if (backend === "memory") {
    const ops = new KeyvSet((ns) => new Keyv({ namespace: ns }));
    return {
      ops,
      detail: "keyv (built-in Map store)",
      durability: async () => "in-process",
      close: () => ops.disconnect(),
    };
  }
  if (backend === "postgres") {
    const Adapter = await importDefault<AdapterCtor>("@keyv/postgres", "KeyvPostgres");
    if (isSkip(Adapter)) return Adapter;
    const uri = process.env.STOWAGE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
    const table = `keyv_bench_${run}`;
    const ops = new KeyvSet(
      (ns) => new Keyv({ store: new Adapter({ uri, table }), namespace: ns }),
    );
    return {
      ops,
      detail: `keyv + @keyv/postgres, table ${table} (defaults)`,
      durability: async () => "server settings, shared with the other sides",
      async close() {
        await ops.disconnect();
        const postgres = (await import("postgres")).default;
        const sql = postgres(uri, { onnotice: () => {}, max: 1 });
        try {
          await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`);
        } finally {
          await sql.end();
        }
      },
    };
  }
  if (backend === "redis") {
    const Adapter = await importDefault<AdapterCtor>("@keyv/redis", "KeyvRedis");
    if (isSkip(Adapter)) return Adapter;
    const url = process.env.STOWAGE_REDIS_URL ?? "redis://127.0.0.1:6379";
    const namespaces = new Set<string>();
    const ops = new KeyvSet((ns) => {
      namespaces.add(ns);
      return new Keyv({ store: new Adapter(url), namespace: `kb${run}${ns}` });
    });
    return {
      ops,
      detail: "keyv + @keyv/redis, a namespace per run (defaults)",
      durability: async () => "server settings, shared with the other sides",
      async close() {
        for (const ns of namespaces) await ops.clear(ns).catch(() => {});
        await ops.disconnect();
      },
    };
  }
  if (backend === "libsql") {
    const Adapter = await importDefault<AdapterCtor>("@keyv/sqlite", "KeyvSqlite");
    if (isSkip(Adapter)) return Adapter;
    const dir = await mkdtemp(path.join(os.tmpdir(), "stowage-bench-keyv-"));
    const uri = `sqlite://${path.join(dir, "keyv.db")}`;
    const adapters: Record<string, unknown>[] = [];
    const sync = options.sqliteSync;
    // One adapter (one sqlite3 connection) per namespace, all on one file, as separate Keyv
    // instances of an application would be; WAL and the same `synchronous` as the other sides.
    const makeAdapter = () => {
      const a = new Adapter({ uri, busyTimeout: 10_000 });
      adapters.push(a);
      return a;
    };
    const query = (a: Record<string, unknown>, sql: string) =>
      (a.query as (sql: string) => Promise<Record<string, unknown>[]>)(sql);
    try {
      // WAL is a property of the file (set once, kept); synchronous is per connection.
      const probe = makeAdapter();
      await query(probe, "PRAGMA journal_mode=WAL");
      await query(probe, `PRAGMA synchronous=${sync}`);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      return { skip: `@keyv/sqlite cannot open a database (${firstLine(error)})` };
    }
    const ops = new KeyvSet((ns) => {
      const a = makeAdapter();
      // The adapter's connection applies this before any statement the Keyv instance sends.
      void query(a, `PRAGMA synchronous=${sync}`);
      return new Keyv({ store: a, namespace: ns });
    });
    return {
      ops,
      detail: `keyv + @keyv/sqlite (sqlite3), ${uri}`,
      async durability() {
        const a = adapters[adapters.length - 1] as Record<string, unknown>;
        const [j] = await query(a, "PRAGMA journal_mode");
        const [s] = await query(a, "PRAGMA synchronous");
        const names = ["OFF", "NORMAL", "FULL", "EXTRA"];
        return `journal_mode=${Object.values(j ?? {})[0]}, synchronous=${names[Number(Object.values(s ?? {})[0])] ?? "?"} (set on every connection)`;
      },
      async close() {
        await ops.disconnect();
        for (const a of adapters)
          await (a.disconnect as (() => Promise<void>) | undefined)?.call(a).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  return { skip: `no Keyv adapter for ${backend}` };
}
