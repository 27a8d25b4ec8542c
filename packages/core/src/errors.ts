// One error hierarchy for every driver. Drivers attach their own error as `cause`; the
// constructor keeps a scrubbed copy of it (see secrets.ts), never the original.

import { markScrubbed, redactSecrets, scrubCause } from "./secrets.ts";

export { redactSecrets, redactUrl, registerSecret, scrubCause } from "./secrets.ts";

export type StowageErrorCode =
  | "VALIDATION"
  | "CONFLICT"
  | "UNAVAILABLE"
  | "UNSUPPORTED"
  | "CLOSED"
  | "STORAGE"
  | "DRIVER";

/** Marks stowage errors across copies of core (an ESM and a CJS copy can meet in one process). */
const BRAND = Symbol.for("@stowage/core/error");

/** Base class of every error stowage throws. `code` is stable; messages are for people. */
export class StowageError extends Error {
  /** `instanceof` works across copies of core: same brand and same class name. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const v = value as { [BRAND]?: boolean; name?: string } | null;
    if (typeof v !== "object" || v === null || v[BRAND] !== true) return false;
    if (this.name === "StowageError") return true;
    // A subclass: the value's class or one of its ancestors must carry this class's name.
    for (let proto = Object.getPrototypeOf(v); proto; proto = Object.getPrototypeOf(proto)) {
      if (proto.constructor?.name === this.name) return true;
    }
    return false;
  }

  readonly code: StowageErrorCode = "DRIVER";
  /** True when retrying the same call later may succeed (connection lost, timeout). */
  readonly retryable: boolean = false;
  /**
   * The message is redacted and the cause replaced by a scrubbed copy (message, stack and cause
   * chain redacted; credential-bearing driver fields such as ioredis `command.args` or
   * postgres.js `parameters` dropped): no rendering of the error shows a password.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(redactSecrets(message), options && "cause" in options ? { cause: scrubCause(options.cause) } : undefined);
    this.name = new.target.name;
    markScrubbed(this);
  }
}

/** Reasons a value, key or name was rejected. */
export type ValidationReason =
  | "INVALID_KEY"
  | "INVALID_NAME"
  | "INVALID_VALUE"
  | "VALUE_TOO_LARGE"
  | "INVALID_OPTION"
  | "INVALID_CURSOR";

/** Bad input: rejected before anything reached the database. */
export class ValidationError extends StowageError {
  override readonly code = "VALIDATION" as const;
  readonly reason: ValidationReason;
  constructor(reason: ValidationReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** A compare-and-set condition (`ifVersion`, `ifAbsent`) did not hold; nothing was written. */
export class ConflictError extends StowageError {
  override readonly code = "CONFLICT" as const;
  /** The keys whose condition failed. */
  readonly keys: readonly string[];
  constructor(message: string, keys: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.keys = keys;
  }
}

/** The backend cannot be reached, refused the credentials, or timed out. Retryable. */
export class UnavailableError extends StowageError {
  override readonly code = "UNAVAILABLE" as const;
  override readonly retryable = true;
}

/** The driver does not declare the capability this call needs. */
export class UnsupportedError extends StowageError {
  override readonly code = "UNSUPPORTED" as const;
}

/** The store (or driver) was closed. */
export class ClosedError extends StowageError {
  override readonly code = "CLOSED" as const;
  constructor(message = "the store is closed", options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Why the backend cannot store: out of space, refusing writes, or not a valid database. */
export type StorageReason = "FULL" | "READ_ONLY" | "CORRUPT";

/**
 * The backend was reached but cannot store: disk or memory full (`FULL`: SQLITE_FULL, PostgreSQL
 * 53100, Redis OOM), writes refused (`READ_ONLY`: a read-only file or directory, a read-only
 * replica or transaction, Redis MISCONF), or the data is not a valid database (`CORRUPT`: a file
 * that is not SQLite, SQLITE_CORRUPT, PostgreSQL XX001/XX002). An operator has to act: not a bug
 * in the application, and not retryable by itself.
 */
export class StorageError extends StowageError {
  override readonly code = "STORAGE" as const;
  readonly reason: StorageReason;
  constructor(reason: StorageReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

Object.defineProperty(StowageError.prototype, BRAND, { value: true });

export function isStowageError(error: unknown): error is StowageError {
  return error instanceof StowageError;
}

/**
 * Any thrown value as a StowageError: a stowage error as it is; anything else a `DRIVER`
 * StowageError saying `context`, with the value (scrubbed) as cause.
 */
export function toStowageError(error: unknown, context: string): StowageError {
  if (error instanceof StowageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StowageError(`${context}: ${message}`, { cause: error });
}
