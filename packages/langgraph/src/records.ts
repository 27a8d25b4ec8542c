// What the saver stores under each key (values go through stowage's codec, which keeps
// Uint8Array exact), and the small conversions between LangGraph's config and those records.

import type { RunnableConfig } from "@langchain/core/runnables";
import { ValidationError } from "@stowage/core";

/** A checkpoint without its channel values (those live in blob records). */
export interface CheckpointRecord {
  readonly thread: string;
  readonly ns: string;
  readonly id: string;
  readonly parent?: string;
  readonly type: string;
  readonly checkpoint: Uint8Array;
  readonly metadataType: string;
  readonly metadata: Uint8Array;
}

export interface WriteRecord {
  readonly task: string;
  readonly idx: number;
  readonly channel: string;
  readonly path: string;
  readonly type: string;
  readonly value: Uint8Array;
}

/** One channel's value at one version; type "empty" when the channel was cleared. */
export interface BlobRecord {
  readonly type: string;
  readonly value: Uint8Array;
}

export type SaverRecord = CheckpointRecord | WriteRecord | BlobRecord;

export const EMPTY_BLOB = "empty";

/** thread_id from a config: a string (numbers are turned into strings); missing → a clear error. */
export function threadIdOf(config: RunnableConfig, what: string): string {
  const thread = config.configurable?.thread_id;
  if (typeof thread === "string") return thread;
  if (typeof thread === "number" && Number.isFinite(thread)) return String(thread);
  if (thread === undefined || thread === null) {
    throw new ValidationError(
      "INVALID_OPTION",
      `cannot ${what}: the config has no "thread_id" in its "configurable" property (e.g. graph.invoke(input, { configurable: { thread_id: "t1" } }))`,
    );
  }
  throw new ValidationError("INVALID_OPTION", `cannot ${what}: "thread_id" must be a string`);
}

/** checkpoint_ns from a config; the root namespace "" when absent. */
export function namespaceOf(config: RunnableConfig): string {
  const ns = config.configurable?.checkpoint_ns;
  if (ns === undefined || ns === null) return "";
  if (typeof ns !== "string")
    throw new ValidationError("INVALID_OPTION", '"checkpoint_ns" must be a string');
  return ns;
}

export function checkpointConfig(thread: string, ns: string, id: string): RunnableConfig {
  return { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: id } };
}
