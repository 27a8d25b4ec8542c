// One error hierarchy for every driver. Drivers attach their own error as `cause`.

export type StowageErrorCode =
  | "VALIDATION"
  | "CONFLICT"
  | "UNAVAILABLE"
  | "UNSUPPORTED"
  | "CLOSED"
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
  constructor(message: string, options?: { cause?: unknown }) {
    super(redactSecrets(message), options);
    this.name = new.target.name;
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

Object.defineProperty(StowageError.prototype, BRAND, { value: true });

export function isStowageError(error: unknown): error is StowageError {
  return error instanceof StowageError;
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]*):([^@/\s]+)@/gi;
const SECRET_PARAMS = /([?&;\s](?:password|passwd|pwd|token|authToken|auth_token|secret|access_token)=)([^&;\s]+)/gi;

/** Masks passwords and tokens in URLs and `key=value` text, so no message ever prints one. */
export function redactSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, "$1$2:***@").replace(SECRET_PARAMS, "$1***");
}

/** A URL safe to print: the password and token parameters masked. */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}
