// The saver's key layout in one stowage namespace. Keys sort in UTF-8 byte order, so one prefix
// listing returns a thread's checkpoints newest first, each followed by its pending writes:
//
//   c|<thread>|<ns>|<inverted id>                      checkpoint (without channel values)
//   c|<thread>|<ns>|<inverted id>w<task>|<idx>          pending write of that checkpoint
//   b|<thread>|<ns>|<channel>|<version>                 channel value, shared by checkpoints
//
// <thread>, <ns>, <task> and <channel> are escaped ('%' → %25, '|' → %7C), so each prefix
// `c|<thread>|` or `c|<thread>|<ns>|` names exactly one thread or namespace.

import { ValidationError } from "@stowage/core";

/** Escapes the separator and the escape character: `a|b%` → `a%7Cb%25`. */
export function escapePart(part: string): string {
  return part.replaceAll("%", "%25").replaceAll("|", "%7C");
}

/** Ends every inverted id; sorts after every character an inverted id holds. */
const ID_END = "~";
const LOW = 0x20;
const HIGH = 0x7d;

/**
 * Checkpoint ids are uuid6 strings, time-ordered. Each character c becomes (0x20 + 0x7d − c) and
 * "~" ends the id, so ascending key order is descending id order, also between ids of different
 * lengths. Ids hold printable ASCII without "~" (LangGraph's ids are hex and "-").
 */
export function invertId(id: string): string {
  let out = "";
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    if (code < LOW || code > HIGH) {
      throw new ValidationError(
        "INVALID_KEY",
        `checkpoint id ${JSON.stringify(id)} must be printable ASCII without "~" (LangGraph's ids are uuid6 strings)`,
      );
    }
    out += String.fromCharCode(LOW + HIGH - code);
  }
  return out + ID_END;
}

/** The id of an inverted id (without its "~"). */
export function revertId(inverted: string): string {
  let out = "";
  for (let i = 0; i < inverted.length; i++) {
    out += String.fromCharCode(LOW + HIGH - inverted.charCodeAt(i));
  }
  return out;
}

/** Every checkpoint and write of the saver. */
export const ALL_CHECKPOINTS = "c|";

export function threadPrefix(thread: string): string {
  return `c|${escapePart(thread)}|`;
}

export function namespacePrefix(thread: string, ns: string): string {
  return `${threadPrefix(thread)}${escapePart(ns)}|`;
}

/** The checkpoint's own key; its writes' keys extend it. */
export function checkpointKey(thread: string, ns: string, id: string): string {
  return namespacePrefix(thread, ns) + invertId(id);
}

export function writeKey(checkpoint: string, taskId: string, idx: number): string {
  return `${checkpoint}w${escapePart(taskId)}|${idx}`;
}

export function blobThreadPrefix(thread: string): string {
  return `b|${escapePart(thread)}|`;
}

export function blobKey(
  thread: string,
  ns: string,
  channel: string,
  version: number | string,
): string {
  return `${blobThreadPrefix(thread)}${escapePart(ns)}|${escapePart(channel)}|${String(version)}`;
}

/** A key found under `c|`: which checkpoint it belongs to, and whether it is the checkpoint itself. */
export interface ParsedKey {
  /** The checkpoint's key (the key itself for a checkpoint, the prefix for a write). */
  readonly checkpoint: string;
  readonly id: string;
  /** The checkpoint namespace, escaped (compare with `escapePart(ns)`). */
  readonly ns: string;
  readonly isWrite: boolean;
}

export function parseKey(key: string): ParsedKey | undefined {
  // c|<thread>|<ns>|: the escaped parts hold no '|', so the id starts after the third '|'.
  const first = key.indexOf("|");
  const second = key.indexOf("|", first + 1);
  const third = key.indexOf("|", second + 1);
  if (first < 0 || second < 0 || third < 0) return undefined;
  const end = key.indexOf(ID_END, third + 1);
  if (end < 0) return undefined;
  return {
    checkpoint: key.slice(0, end + 1),
    id: revertId(key.slice(third + 1, end)),
    ns: key.slice(second + 1, third),
    isWrite: end + 1 < key.length,
  };
}
