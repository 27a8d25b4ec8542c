// KeyvStowage: a Keyv storage adapter over one stowage KV namespace, on any driver.
//
// Keyv hands the adapter keys already prefixed with its own namespace (`keyv:foo`) and values
// already serialized by Keyv (a string holding `{value, expires}`). The adapter stores them as they
// come, one stowage key per Keyv key, and gives each write Keyv's ttl as a stowage expiry, so an
// expired entry is gone for every read and listing on every driver and swept by the backend.

import { EventEmitter } from "node:events";
import type { KeyvStoreAdapter } from "keyv";
import { checkName, type KV, type SetManyItem, type Store } from "@stowage/core";

/** Keys removed per deleteMany call when clearing one Keyv namespace. */
const CLEAR_BATCH = 1000;

/**
 * Keyv 5 turns on `keyv.iterator()` only for adapters whose `opts.dialect` is on its built-in list
 * (sqlite, postgres, mysql, mongo, redis, valkey, etcd) and reads `dialect` for nothing else.
 * KeyvStowage iterates a Keyv namespace the way @keyv/redis does (by the `namespace:` key prefix),
 * so it reports "redis".
 */
const ITERABLE_DIALECT = "redis";

export interface KeyvStowageOptions {
  /** Whether `disconnect()` also closes the stowage store (default false: the caller owns it). */
  readonly closeStore?: boolean;
}

export interface KeyvStowageOpts {
  /** See ITERABLE_DIALECT: what Keyv 5 needs to offer `keyv.iterator()`. */
  dialect: string;
  /** Describes where the data lives, e.g. `stowage:postgres/cache` (no credentials). */
  url: string;
  /** Keyv's test suite and some callers set serializer options here; Keyv itself does the (de)serializing. */
  [option: string]: unknown;
}

export interface KeyvEntryInput {
  readonly key: string;
  readonly value: unknown;
  readonly ttl?: number;
}

/** Keyv's `ttl` (ms) as a stowage write option: a positive finite number expires, anything else does not. */
function expiry(ttl: number | undefined): { ttlMs: number } | undefined {
  return typeof ttl === "number" && Number.isFinite(ttl) && ttl > 0 ? { ttlMs: ttl } : undefined;
}

export class KeyvStowage extends EventEmitter implements KeyvStoreAdapter {
  /** The stowage namespace this adapter reads and writes. */
  readonly kv: KV<unknown>;
  readonly opts: KeyvStowageOpts;
  /** Set by Keyv to its namespace; `clear()` and `iterator()` then keep to keys `namespace:…`. */
  namespace?: string | undefined;
  readonly #store: Store;
  readonly #closeStore: boolean;

  /**
   * @param store any stowage store (`await openStore(url)`)
   * @param namespace the stowage namespace for this cache (default "keyv"): 1-128 letters, digits,
   *   `_`, `-` or `.`, starting with a letter or digit. Keyv's own namespaces go into key prefixes.
   */
  constructor(store: Store, namespace = "keyv", options: KeyvStowageOptions = {}) {
    super();
    checkName(namespace, "namespace");
    this.#store = store;
    this.#closeStore = options.closeStore === true;
    this.kv = store.kv<unknown>(namespace);
    this.opts = { dialect: ITERABLE_DIALECT, url: `stowage:${store.driverName}/${namespace}` };
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    return (await this.kv.get(key)) as Value | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<Value | undefined>> {
    return (await this.kv.getMany(keys)) as Array<Value | undefined>;
  }

  /** `ttl` in milliseconds, as Keyv passes it; none (or ≤ 0) stores without expiry. */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    await this.kv.set(key, value, expiry(ttl));
    return true;
  }

  /** All entries in one atomic write; a key given twice keeps its last value. */
  async setMany(entries: KeyvEntryInput[]): Promise<void> {
    const byKey = new Map<string, SetManyItem<unknown>>();
    for (const { key, value, ttl } of entries) byKey.set(key, { key, value, ...expiry(ttl) });
    if (byKey.size > 0) await this.kv.setMany(byKey.values());
  }

  async delete(key: string): Promise<boolean> {
    return this.kv.delete(key);
  }

  /** True when at least one of the keys existed (Keyv 5's contract). */
  async deleteMany(keys: string[]): Promise<boolean> {
    return (await this.kv.deleteMany(keys)) > 0;
  }

  async has(key: string): Promise<boolean> {
    return this.kv.has(key);
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    const missing = new Set(await this.kv.missing(keys));
    return keys.map((key) => !missing.has(key));
  }

  /**
   * With a Keyv namespace set: removes that namespace's keys (`namespace:…`) only. Without one:
   * clears the whole stowage namespace, and nothing outside it.
   */
  async clear(): Promise<void> {
    if (!this.namespace) {
      await this.kv.clear();
      return;
    }
    let batch: string[] = [];
    for await (const key of this.kv.keys({ prefix: `${this.namespace}:`, pageSize: CLEAR_BATCH })) {
      batch.push(key);
      if (batch.length >= CLEAR_BATCH) {
        await this.kv.deleteMany(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.kv.deleteMany(batch);
  }

  /** `[key, stored value]` pairs in key order, of one Keyv namespace (or of all, without one). */
  async *iterator<Value>(namespace?: string): AsyncGenerator<[string, Value], void> {
    const prefix = namespace ? `${namespace}:` : undefined;
    for await (const [key, value] of this.kv.entries(prefix === undefined ? {} : { prefix })) {
      yield [key, value as Value];
    }
  }

  /** Closes the stowage store only when created with `closeStore: true`. */
  async disconnect(): Promise<void> {
    if (this.#closeStore) await this.#store.close();
  }
}
