// StowageSaver: LangGraph's BaseCheckpointSaver over any stowage Store (see keys.ts for the layout).

import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  copyCheckpoint,
  getCheckpointId,
  maxChannelVersion,
  type PendingWrite,
  type SerializerProtocol,
  TASKS,
  WRITES_IDX_MAP,
  writesSortKey,
} from "@langchain/langgraph-checkpoint";
import {
  checkName,
  ConflictError,
  type KV,
  type SetManyItem,
  type Store,
  UnsupportedError,
  ValidationError,
} from "@stowage/core";
import {
  ALL_CHECKPOINTS,
  blobKey,
  blobThreadPrefix,
  checkpointKey,
  escapePart,
  namespacePrefix,
  type ParsedKey,
  parseKey,
  threadPrefix,
  writeKey,
} from "./keys.ts";
import {
  type BlobRecord,
  type CheckpointRecord,
  checkpointConfig,
  EMPTY_BLOB,
  namespaceOf,
  type SaverRecord,
  threadIdOf,
  type WriteRecord,
} from "./records.ts";

export interface StowageSaverOptions {
  /** The stowage namespace holding the checkpoints (default "langgraph-checkpoints"). */
  readonly namespace?: string;
  /**
   * Expire what each put/putWrites writes this many ms later (a number, or per thread: a function
   * of the thread id returning ms or undefined for no expiry). See the README for the semantics.
   */
  readonly ttlMs?: number | ((threadId: string) => number | undefined);
  /** LangGraph serializer (default: BaseCheckpointSaver's JsonPlusSerializer). */
  readonly serde?: SerializerProtocol;
}

export const DEFAULT_CHECKPOINT_NAMESPACE = "langgraph-checkpoints";

/** Checkpoints fetched per batch when listing without a limit. */
const LIST_BATCH = 100;
/** Keys removed per deleteMany call by deleteThread. */
const DELETE_BATCH = 1000;
/** putWrites retries after a concurrent writer stored the same regular write first. */
const WRITE_ATTEMPTS = 5;

/** A checkpoint's key together with the keys of its pending writes, as one listing found them. */
interface Group {
  readonly key: string;
  readonly id: string;
  readonly writes: string[];
}

export class StowageSaver extends BaseCheckpointSaver {
  readonly kv: KV<SaverRecord>;
  readonly #ttl: StowageSaverOptions["ttlMs"];

  constructor(store: Store, options: StowageSaverOptions = {}) {
    super(options.serde);
    const namespace = checkName(
      options.namespace ?? DEFAULT_CHECKPOINT_NAMESPACE,
      "checkpoint namespace",
    );
    const ttl = options.ttlMs;
    if (ttl !== undefined) {
      if (typeof ttl === "number" && !(Number.isFinite(ttl) && ttl > 0)) {
        throw new ValidationError(
          "INVALID_OPTION",
          "ttlMs must be a positive number of milliseconds or a function",
        );
      }
      if (typeof ttl !== "number" && typeof ttl !== "function") {
        throw new ValidationError(
          "INVALID_OPTION",
          "ttlMs must be a positive number of milliseconds or a function",
        );
      }
      if (!store.capabilities.ttl) {
        throw new UnsupportedError(
          `the ${store.driverName} driver does not support expiry, which ttlMs needs`,
        );
      }
    }
    this.#ttl = ttl;
    this.kv = store.kv<SaverRecord>(namespace);
  }

  #ttlFor(thread: string): number | undefined {
    const ttl = this.#ttl;
    return typeof ttl === "function" ? ttl(thread) : ttl;
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    if (config.configurable?.thread_id === undefined) return undefined;
    const thread = threadIdOf(config, "read a checkpoint");
    const ns = namespaceOf(config);
    const id = getCheckpointId(config);
    let key: string;
    if (id) {
      key = checkpointKey(thread, ns, id);
    } else {
      const latest = (await this.kv.list({ prefix: namespacePrefix(thread, ns), limit: 1 }))
        .items[0];
      if (latest === undefined) return undefined;
      key = parseKey(latest)?.checkpoint ?? latest;
    }
    const entries: [string, SaverRecord][] = [];
    for await (const entry of this.kv.entries({ prefix: key })) entries.push(entry);
    const head = entries[0];
    if (head === undefined || head[0] !== key) return undefined;
    const writes = entries.slice(1).map(([, value]) => value as WriteRecord);
    const [tuple] = await this.#tuples([{ record: head[1] as CheckpointRecord, writes }]);
    return tuple;
  }

  async *list(
    config: RunnableConfig,
    options: CheckpointListOptions = {},
  ): AsyncGenerator<CheckpointTuple> {
    const { before, filter } = options;
    let remaining = options.limit;
    if (remaining !== undefined && remaining <= 0) return;
    const thread =
      config.configurable?.thread_id === undefined
        ? undefined
        : threadIdOf(config, "list checkpoints");
    const ns = config.configurable?.checkpoint_ns as string | undefined;
    const onlyId = getCheckpointId(config) || undefined;
    const beforeId = before ? getCheckpointId(before) || undefined : undefined;
    // Across threads, one namespace: the listing covers every thread and skips other namespaces.
    const nsPart = thread === undefined && ns !== undefined ? escapePart(ns) : undefined;
    let prefix = ALL_CHECKPOINTS;
    if (thread !== undefined) {
      prefix = ns === undefined ? threadPrefix(thread) : namespacePrefix(thread, ns);
      if (ns !== undefined && onlyId !== undefined) prefix = checkpointKey(thread, ns, onlyId);
    }
    const select = (parsed: ParsedKey) =>
      (onlyId === undefined || parsed.id === onlyId) &&
      (nsPart === undefined || parsed.ns === nsPart) &&
      (beforeId === undefined || parsed.id < beforeId);
    // With a metadata filter, any listed checkpoint may be rejected: fetch full batches (the
    // records are small; channel values are fetched for the matches only).
    const filtering = filter !== undefined && Object.keys(filter).length > 0;
    const batches = this.#batches(prefix, select, () =>
      remaining === undefined || filtering ? LIST_BATCH : Math.min(remaining, LIST_BATCH),
    );
    for await (const groups of batches) {
      for (const tuple of await this.#load(groups, filter)) {
        yield tuple;
        if (remaining !== undefined && --remaining <= 0) return;
      }
    }
  }

  /**
   * Lists keys only under `prefix` and groups each selected checkpoint with its writes (which
   * follow it in the listing), in batches of `size()` checkpoints. A batch is handed out at the
   * next selected checkpoint, when its last group's writes are complete.
   */
  async *#batches(
    prefix: string,
    select: (parsed: ParsedKey) => boolean,
    size: () => number,
  ): AsyncGenerator<Group[]> {
    let batch: Group[] = [];
    let current: Group | undefined;
    const pageSize = Math.min(1000, size() * 8 + 8);
    for await (const key of this.kv.keys({ prefix, pageSize })) {
      const parsed = parseKey(key);
      if (parsed === undefined) continue;
      if (parsed.isWrite) {
        if (current !== undefined && parsed.checkpoint === current.key) current.writes.push(key);
        continue;
      }
      current = select(parsed) ? { key, id: parsed.id, writes: [] } : undefined;
      if (current === undefined) continue;
      if (batch.length >= size()) {
        yield batch;
        batch = [];
      }
      batch.push(current);
    }
    if (batch.length > 0) yield batch;
  }

  /** Fetches the records of listed checkpoints in one round trip, then their channel values. */
  async #load(
    groups: readonly Group[],
    filter: Record<string, unknown> | undefined,
  ): Promise<CheckpointTuple[]> {
    const keys = groups.flatMap((g) => [g.key, ...g.writes]);
    const values = await this.kv.getMany(keys);
    const found: { record: CheckpointRecord; writes: WriteRecord[] }[] = [];
    let at = 0;
    for (const group of groups) {
      const record = values[at] as CheckpointRecord | undefined;
      const writes = values
        .slice(at + 1, at + 1 + group.writes.length)
        .filter((w): w is WriteRecord => w !== undefined);
      at += 1 + group.writes.length;
      if (record === undefined) continue; // deleted or expired since it was listed
      if (filter !== undefined && Object.keys(filter).length > 0) {
        const metadata = (await this.serde.loadsTyped(
          record.metadataType,
          record.metadata,
        )) as Record<string, unknown>;
        if (!Object.entries(filter).every(([k, v]) => metadata?.[k] === v)) continue;
      }
      found.push({ record, writes: writes as WriteRecord[] });
    }
    return this.#tuples(found);
  }

  /** Builds tuples: channel values of every checkpoint in one getMany, writes in writesSortKey order. */
  async #tuples(
    found: readonly { record: CheckpointRecord; writes: WriteRecord[] }[],
  ): Promise<CheckpointTuple[]> {
    const checkpoints = await Promise.all(
      found.map(
        ({ record }) =>
          this.serde.loadsTyped(record.type, record.checkpoint) as Promise<Checkpoint>,
      ),
    );
    const blobKeys: string[] = [];
    const owners: [number, string][] = [];
    checkpoints.forEach((checkpoint, i) => {
      const { thread, ns } = found[i]!.record;
      for (const [channel, version] of Object.entries(checkpoint.channel_versions ?? {})) {
        blobKeys.push(blobKey(thread, ns, channel, version));
        owners.push([i, channel]);
      }
    });
    const blobs =
      blobKeys.length > 0 ? ((await this.kv.getMany(blobKeys)) as (BlobRecord | undefined)[]) : [];
    const values: Record<string, unknown>[] = checkpoints.map(() => ({}));
    await Promise.all(
      blobs.map(async (blob, j) => {
        if (blob === undefined || blob.type === EMPTY_BLOB) return;
        const [i, channel] = owners[j]!;
        // defineProperty: a channel named "__proto__" is data here, not the object's prototype.
        Object.defineProperty(values[i]!, channel, {
          value: await this.serde.loadsTyped(blob.type, blob.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }),
    );
    return Promise.all(
      found.map(async ({ record, writes }, i) => {
        const checkpoint = checkpoints[i]!;
        checkpoint.channel_values = values[i]!;
        if (checkpoint.v < 4 && record.parent !== undefined)
          await this.#migratePendingSends(checkpoint, record);
        const tuple: CheckpointTuple = {
          config: checkpointConfig(record.thread, record.ns, record.id),
          checkpoint,
          metadata: (await this.serde.loadsTyped(
            record.metadataType,
            record.metadata,
          )) as CheckpointMetadata,
          pendingWrites: await this.#pendingWrites(writes),
        };
        if (record.parent !== undefined)
          tuple.parentConfig = checkpointConfig(record.thread, record.ns, record.parent);
        return tuple;
      }),
    );
  }

  async #pendingWrites(writes: readonly WriteRecord[]): Promise<CheckpointPendingWrite[]> {
    const sorted = [...writes].sort((a, b) =>
      compareWritesSortKeys(
        writesSortKey(a.path, a.task, a.idx),
        writesSortKey(b.path, b.task, b.idx),
      ),
    );
    return Promise.all(
      sorted.map(
        async (w): Promise<CheckpointPendingWrite> => [
          w.task,
          w.channel,
          await this.serde.loadsTyped(w.type, w.value),
        ],
      ),
    );
  }

  /** Checkpoints older than format 4 kept pending sends as writes of their parent: move them in. */
  async #migratePendingSends(checkpoint: Checkpoint, record: CheckpointRecord): Promise<void> {
    const parentKey = checkpointKey(record.thread, record.ns, record.parent!);
    const writes: WriteRecord[] = [];
    for await (const [key, value] of this.kv.entries({ prefix: parentKey })) {
      if (key !== parentKey && (value as WriteRecord).channel === TASKS)
        writes.push(value as WriteRecord);
    }
    const sends = await this.#pendingWrites(writes);
    checkpoint.channel_values ??= {};
    checkpoint.channel_values[TASKS] = sends.map(([, , value]) => value);
    checkpoint.channel_versions ??= {};
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] =
      versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const thread = threadIdOf(config, "put a checkpoint");
    const ns = namespaceOf(config);
    const parent = config.configurable?.checkpoint_id as string | undefined;
    const copy = copyCheckpoint(checkpoint);
    const values = copy.channel_values;
    const ttlMs = this.#ttlFor(thread);
    // Only changed channels are written; with a TTL every channel the checkpoint holds is written
    // again, so the newest checkpoint never outlives the values it needs.
    const channels =
      ttlMs === undefined ? Object.keys(newVersions) : Object.keys(copy.channel_versions);
    const versions = ttlMs === undefined ? newVersions : copy.channel_versions;
    const [[type, bytes], [metadataType, metadataBytes], blobs] = await Promise.all([
      this.serde.dumpsTyped({ ...copy, channel_values: {} }),
      this.serde.dumpsTyped(metadata),
      Promise.all(
        channels
          .filter((channel) => ttlMs === undefined || channel in values)
          .map(async (channel): Promise<SetManyItem<SaverRecord>> => {
            const value: BlobRecord =
              channel in values
                ? await this.serde
                    .dumpsTyped(values[channel])
                    .then(([t, v]) => ({ type: t, value: v }))
                : { type: EMPTY_BLOB, value: new Uint8Array() };
            return {
              key: blobKey(thread, ns, channel, versions[channel]!),
              value,
              ...(ttlMs ? { ttlMs } : {}),
            };
          }),
      ),
    ]);
    const record: CheckpointRecord = {
      thread,
      ns,
      id: checkpoint.id,
      ...(parent ? { parent } : {}),
      type,
      checkpoint: bytes,
      metadataType,
      metadata: metadataBytes,
    };
    const key = checkpointKey(thread, ns, checkpoint.id);
    await this.kv.setMany([{ key, value: record, ...(ttlMs ? { ttlMs } : {}) }, ...blobs]);
    return checkpointConfig(thread, ns, checkpoint.id);
  }

  async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath = "",
  ): Promise<void> {
    const thread = threadIdOf(config, "put writes");
    const ns = namespaceOf(config);
    const id = config.configurable?.checkpoint_id;
    if (typeof id !== "string" || id === "") {
      throw new ValidationError(
        "INVALID_OPTION",
        'cannot put writes: the config has no "checkpoint_id" in its "configurable" property',
      );
    }
    const ttlMs = this.#ttlFor(thread);
    const checkpoint = checkpointKey(thread, ns, id);
    const byKey = new Map<string, SetManyItem<SaverRecord>>();
    await Promise.all(
      writes.map(async ([channel, value], i) => {
        const idx = Object.hasOwn(WRITES_IDX_MAP, channel) ? WRITES_IDX_MAP[channel]! : i;
        const key = writeKey(checkpoint, taskId, idx);
        const [type, bytes] = await this.serde.dumpsTyped(value);
        const record: WriteRecord = {
          task: taskId,
          idx,
          channel,
          path: taskPath,
          type,
          value: bytes,
        };
        // Regular writes are kept once stored (a retried task does not change them); special writes
        // (errors, interrupts, …) replace the stored one.
        byKey.set(key, {
          key,
          value: record,
          ...(idx >= 0 ? { ifAbsent: true } : {}),
          ...(ttlMs ? { ttlMs } : {}),
        });
      }),
    );
    let items = [...byKey.values()];
    for (let attempt = 1; items.length > 0; attempt++) {
      try {
        await this.kv.setMany(items);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= WRITE_ATTEMPTS) throw error;
        const stored = new Set(error.keys);
        items = items.filter((item) => !stored.has(item.key));
      }
    }
  }

  async deleteThread(threadId: string): Promise<void> {
    const thread = threadIdOf({ configurable: { thread_id: threadId } }, "delete a thread");
    for (const prefix of [threadPrefix(thread), blobThreadPrefix(thread)]) {
      let keys: string[] = [];
      for await (const key of this.kv.keys({ prefix, pageSize: DELETE_BATCH })) {
        keys.push(key);
        if (keys.length >= DELETE_BATCH) {
          await this.kv.deleteMany(keys);
          keys = [];
        }
      }
      if (keys.length > 0) await this.kv.deleteMany(keys);
    }
  }
}
