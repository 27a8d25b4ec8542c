// The one secret scrubber of stowage. Every StowageError passes its message through
// `redactSecrets` and its `cause` through `scrubCause`, so that no rendering of an error stowage
// throws — `String(err)`, `err.stack`, `util.inspect(err, { depth: Infinity })`,
// `JSON.stringify(err)`, or any of these on a cause — shows a password or a token.

// The password runs to the last `@` of the authority, as URL parsers read `u:p@ss@host`.
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]*):([^/\s]+)@/gi;
const SECRET_PARAMS =
  /((?:^|[?&;\s"'{,])(?:password|passwd|pwd|pass|token|authToken|auth_token|secret|access_token|api_key|apikey)"?\s*[=:]\s*"?)([^&;\s"',}]+)/gi;

/** Shorter registered secrets are not masked in free text: they would garble every message. */
const MIN_SECRET_LENGTH = 4;
/** Bound on remembered secrets (a process creating drivers in a loop must not grow forever). */
const MAX_SECRETS = 1000;
const secrets = new Set<string>();

/**
 * Tells stowage a credential (a password, a token) that must never appear in an error, even
 * where it shows without URL syntax. Drivers call it with the credentials they are given.
 */
export function registerSecret(secret: unknown): void {
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) return;
  for (const form of new Set([secret, encodeURIComponent(secret)])) {
    secrets.delete(form);
    secrets.add(form);
  }
  while (secrets.size > MAX_SECRETS) secrets.delete(secrets.values().next().value as string);
}

/**
 * Masks passwords and tokens: in URLs (`user:***@`), in `key=value` text (`password=***`), and
 * every secret given to `registerSecret`, so no message ever prints one.
 */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("***");
  return out.replace(URL_CREDENTIALS, "$1$2:***@").replace(SECRET_PARAMS, "$1***");
}

/** A URL safe to print: the password and token parameters masked. */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}

/** Fields never copied from a driver error: they hold credentials or whole query arguments. */
const SECRET_FIELD =
  /pass|secret|token|auth|credential|cookie|^(args|argv|parameters|params|options|config|connection|client|socket|request|headers|input)$/i;
const MAX_CAUSE_DEPTH = 8;

/** Errors already scrubbed: StowageErrors (scrubbed when made) and our copies. */
const scrubbed = new WeakSet<object>();

/** Marks an error whose message and cause are already scrubbed (StowageError's constructor). */
export function markScrubbed(error: object): void {
  scrubbed.add(error);
}

/**
 * A copy of an error (or any thrown value) that is safe to render: message and stack redacted,
 * the cause chain scrubbed the same way, `errors` of an AggregateError scrubbed, ioredis'
 * `command` reduced to its name, and nested objects and credential-like fields (`args`,
 * `parameters`, `options`, `password`, …) dropped. Primitive fields (`code`, `errno`, SQLSTATE
 * details) are kept, strings redacted. The copy keeps the original's prototype, so
 * `instanceof` and `name` still work.
 */
export function scrubCause(value: unknown): unknown {
  return scrub(value, new Map(), 0);
}

function scrub(value: unknown, seen: Map<object, unknown>, depth: number): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (typeof value === "function" || typeof value === "symbol") return undefined;
  if (value === null || typeof value !== "object") return value;
  if (scrubbed.has(value)) return value;
  if (seen.has(value)) return seen.get(value);
  if (depth > MAX_CAUSE_DEPTH) return undefined;
  if (Array.isArray(value)) return undefined;
  const isError = value instanceof Error;
  const copy: Record<string, unknown> = Object.create(
    isError ? Object.getPrototypeOf(value) : Object.prototype,
  );
  seen.set(value, copy);
  scrubbed.add(copy);
  for (const key of Object.getOwnPropertyNames(value)) {
    if (SECRET_FIELD.test(key)) continue;
    let field: unknown;
    try {
      field = (value as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    let clean: unknown;
    if (key === "cause") clean = scrub(field, seen, depth + 1);
    else if (key === "errors" && Array.isArray(field))
      clean = field.map((e) => scrub(e, seen, depth + 1));
    else if (key === "command" && field !== null && typeof field === "object") {
      const name = (field as { name?: unknown }).name;
      clean = typeof name === "string" ? { name } : undefined;
    } else if (field !== null && typeof field === "object") continue;
    else clean = scrub(field, seen, depth + 1);
    if (clean === undefined && field !== undefined) continue;
    const enumerable = Object.getOwnPropertyDescriptor(value, key)?.enumerable ?? false;
    Object.defineProperty(copy, key, {
      value: clean,
      enumerable,
      writable: true,
      configurable: true,
    });
  }
  // Host errors (DOMException: an AbortSignal timeout in fetch) keep these on the prototype, as
  // getters that refuse a copy: the copy gets its own.
  for (const key of ["name", "message", "code"]) {
    if (Object.hasOwn(copy, key)) continue;
    let field: unknown;
    try {
      field = (value as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    if (typeof field === "string" || typeof field === "number") {
      Object.defineProperty(copy, key, {
        value: scrub(field, seen, depth),
        writable: true,
        configurable: true,
      });
    }
  }
  // An error whose stack was never read has none of its own on some engines: give the copy one.
  if (isError && !Object.hasOwn(copy, "stack")) {
    const stack = (value as Error).stack;
    if (typeof stack === "string")
      Object.defineProperty(copy, "stack", {
        value: redactSecrets(stack),
        writable: true,
        configurable: true,
      });
  }
  return copy;
}
