// StowageStore: LangGraph's BaseStore (long-term memory: items under string[] namespaces) over any
// stowage Store. Layout in one stowage namespace:
//
//   i|<label>:<label>…::<key>     an item ({ namespace, key, value, createdAt, updatedAt })
//   n|<label>:<label>…            a marker per namespace holding items, for listNamespaces
//
// LangGraph forbids ':' and '.' in labels, so the joined labels are unambiguous and "::" ends them.

import {
  BaseStore,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type MatchCondition,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
  validateNamespace,
} from "@langchain/langgraph-checkpoint";
import {
  checkName,
  ConflictError,
  type KV,
  type SetManyItem,
  type Store,
  UnsupportedError,
} from "@stowage/core";
import { matchesFilter } from "./filter.ts";

export interface StowageStoreOptions {
  /** The stowage namespace holding the items (default "langgraph-store"). */
  readonly namespace?: string;
  /**
   * Semantic search is not available yet. TODO(vectors): once stowage's `vectors` capability
   * lands, accept LangGraph's IndexConfig here (dims, embeddings, fields), embed the indexed
   * fields in `batch` puts and answer `search({ query })` with a vector query.
   */
  readonly index?: never;
}

export const DEFAULT_STORE_NAMESPACE = "langgraph-store";

interface StoredItem {
  readonly namespace: string[];
  readonly key: string;
  readonly value: Record<string, unknown>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

type Record_ = StoredItem | true;

const WRITE_ATTEMPTS = 10;
const PAGE = 1000;

function joined(namespace: readonly string[]): string {
  return namespace.join(":");
}

function itemKey(namespace: readonly string[], key: string): string {
  return `i|${joined(namespace)}::${key}`;
}

function markerKey(namespace: readonly string[]): string {
  return `n|${joined(namespace)}`;
}

function isPut(op: Operation): op is PutOperation {
  return "value" in op;
}

function isGet(op: Operation): op is GetOperation {
  return "key" in op && "namespace" in op && !("value" in op);
}

function isSearch(op: Operation): op is SearchOperation {
  return "namespacePrefix" in op;
}

function matches(condition: MatchCondition, namespace: readonly string[]): boolean {
  const { matchType, path } = condition;
  if (path.length > namespace.length) return false;
  const start = matchType === "suffix" ? namespace.length - path.length : 0;
  return path.every((label, i) => label === "*" || namespace[start + i] === label);
}

export class StowageStore extends BaseStore {
  readonly kv: KV<Record_>;

  constructor(store: Store, options: StowageStoreOptions = {}) {
    super();
    if ((options as { index?: unknown }).index !== undefined) {
      throw new UnsupportedError(
        "StowageStore has no semantic search yet: the index option needs stowage's vector capability",
      );
    }
    this.kv = store.kv<Record_>(
      checkName(options.namespace ?? DEFAULT_STORE_NAMESPACE, "store namespace"),
    );
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = new Array(operations.length).fill(undefined);
    const gets: [number, GetOperation][] = [];
    const writes = new Map<string, PutOperation>();
    const reads: Promise<void>[] = [];
    operations.forEach((op, i) => {
      if (isPut(op)) {
        validateNamespace(op.namespace, { allowEmpty: op.value === null, allowReservedRoot: true });
        writes.set(itemKey(op.namespace, op.key), op); // the last write of a key wins
      } else if (isGet(op)) {
        validateNamespace(op.namespace, { allowEmpty: true, allowReservedRoot: true });
        gets.push([i, op]);
      } else if (isSearch(op)) {
        validateNamespace(op.namespacePrefix, { allowEmpty: true, allowReservedRoot: true });
        reads.push(this.#search(op).then((found) => void (results[i] = found)));
      } else {
        reads.push(this.#listNamespaces(op).then((found) => void (results[i] = found)));
      }
    });
    if (gets.length > 0) {
      reads.push(
        this.kv.getMany(gets.map(([, op]) => itemKey(op.namespace, op.key))).then((found) => {
          gets.forEach(([i], j) => {
            const item = found[j];
            results[i] = item === undefined || item === true ? null : toItem(item);
          });
        }),
      );
    }
    // Reads see the store as it was before this batch's writes (as LangGraph's InMemoryStore does).
    await Promise.all(reads);
    if (writes.size > 0) await this.#write([...writes.values()]);
    return results as OperationResults<Op>;
  }

  /** Puts in one atomic setMany (createdAt kept by compare-and-set), then deletes in one deleteMany. */
  async #write(ops: PutOperation[]): Promise<void> {
    const puts = ops.filter((op) => op.value !== null);
    const deletes = ops.filter((op) => op.value === null);
    if (puts.length > 0) {
      for (let attempt = 1; ; attempt++) {
        const keys = puts.map((op) => itemKey(op.namespace, op.key));
        const current = await this.kv.getEntries(keys);
        const now = new Date();
        const items: SetManyItem<Record_>[] = puts.map((op, j) => {
          const old = current[j];
          const createdAt = old && old.value !== true ? old.value.createdAt : now;
          const value: StoredItem = {
            namespace: [...op.namespace],
            key: op.key,
            value: op.value!,
            createdAt,
            updatedAt: now,
          };
          return old
            ? { key: keys[j]!, value, ifVersion: old.version }
            : { key: keys[j]!, value, ifAbsent: true };
        });
        const markers = new Map(puts.map((op) => [markerKey(op.namespace), true as const]));
        try {
          await this.kv.setMany([
            ...items,
            ...[...markers].map(([key, value]) => ({ key, value })),
          ]);
          break;
        } catch (error) {
          if (!(error instanceof ConflictError) || attempt >= WRITE_ATTEMPTS) throw error;
        }
      }
    }
    if (deletes.length > 0) {
      await this.kv.deleteMany(deletes.map((op) => itemKey(op.namespace, op.key)));
      const touched = new Map(deletes.map((op) => [joined(op.namespace), op.namespace]));
      await Promise.all([...touched.values()].map((ns) => this.#dropMarkerIfEmpty(ns)));
    }
  }

  /**
   * Removes a namespace's marker once it holds no item. Every put rewrites the marker (a new
   * version), so a put racing with this check makes the conditional delete fail and the marker stays.
   */
  async #dropMarkerIfEmpty(namespace: readonly string[]): Promise<void> {
    const marker = await this.kv.getEntry(markerKey(namespace));
    if (marker === undefined) return;
    if ((await this.kv.count({ prefix: `i|${joined(namespace)}::` })) > 0) return;
    try {
      await this.kv.delete(marker.key, { ifVersion: marker.version });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  async #search(op: SearchOperation): Promise<SearchItem[]> {
    // TODO(vectors): with an index configured, `op.query` becomes a vector query; without one it
    // is ignored, as LangGraph's InMemoryStore does.
    const offset = op.offset ?? 0;
    const limit = op.limit ?? 10;
    const prefix = op.namespacePrefix.length === 0 ? "i|" : `i|${joined(op.namespacePrefix)}:`;
    const found: SearchItem[] = [];
    let skipped = 0;
    if (limit <= 0) return found;
    for await (const [, stored] of this.kv.entries({
      prefix,
      pageSize: Math.min(PAGE, offset + limit),
    })) {
      if (stored === true || (op.filter && !matchesFilter(stored.value, op.filter))) continue;
      if (skipped < offset) {
        skipped++;
        continue;
      }
      found.push({ ...toItem(stored), score: undefined });
      if (found.length >= limit) break;
    }
    return found;
  }

  /** Namespaces in UTF-8 byte order of their joined labels (the markers' listing order). */
  async #listNamespaces(op: ListNamespacesOperation): Promise<string[][]> {
    let namespaces: string[][] = [];
    for await (const key of this.kv.keys({ prefix: "n|", pageSize: PAGE })) {
      const namespace = key.slice(2).split(":");
      if (op.matchConditions?.every((condition) => matches(condition, namespace)) ?? true)
        namespaces.push(namespace);
    }
    if (op.maxDepth !== undefined) {
      const seen = new Map(
        namespaces.map((ns) => ns.slice(0, op.maxDepth)).map((ns) => [joined(ns), ns]),
      );
      namespaces = [...seen.values()];
    }
    const offset = op.offset ?? 0;
    return namespaces.slice(offset, offset + (op.limit ?? namespaces.length));
  }
}

function toItem(stored: StoredItem): Item {
  return {
    namespace: [...stored.namespace],
    key: stored.key,
    value: stored.value,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}
