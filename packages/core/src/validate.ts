// Validation of keys, ids and names: done once, in core, before anything reaches a driver.

import { ValidationError } from "./errors.ts";
import { utf8Length } from "./codec.ts";

export const MAX_KEY_BYTES = 1024;
export const MAX_NAME_LENGTH = 128;
/** Names of namespaces and graphs: letters, digits, `_`, `-`, `.`; starting with a letter or digit. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Keys, node ids and edge types: non-empty well-formed UTF-8, no U+0000, at most 1024 bytes. */
export function checkKey(key: unknown, what = "key"): string {
  if (typeof key !== "string") {
    throw new ValidationError("INVALID_KEY", `${what} must be a string, got ${describe(key)}`);
  }
  if (key.length === 0) throw new ValidationError("INVALID_KEY", `${what} must not be empty`);
  if (key.includes("\u0000")) throw new ValidationError("INVALID_KEY", `${what} must not contain U+0000`);
  if (!key.isWellFormed()) {
    throw new ValidationError("INVALID_KEY", `${what} must be well-formed Unicode (it has a lone surrogate)`);
  }
  if (key.length > MAX_KEY_BYTES / 3 && utf8Length(key) > MAX_KEY_BYTES) {
    throw new ValidationError("INVALID_KEY", `${what} is ${utf8Length(key)} bytes in UTF-8, over the limit of ${MAX_KEY_BYTES}`);
  }
  return key;
}

export function checkKeys(keys: unknown, what = "key"): string[] {
  if (!Array.isArray(keys)) throw new ValidationError("INVALID_KEY", `${what}s must be an array`);
  return keys.map((k) => checkKey(k, what));
}

/** Namespace and graph names. */
export function checkName(name: unknown, what = "name"): string {
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new ValidationError(
      "INVALID_NAME",
      `${what} ${describe(name)} is not valid: use 1-${MAX_NAME_LENGTH} letters, digits, '_', '-' or '.', starting with a letter or digit`,
    );
  }
  return name;
}

export function checkPositiveInt(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError("INVALID_OPTION", `${what} must be an integer from 1 to ${max}, got ${describe(value)}`);
  }
  return value;
}

export function checkNonNegativeInt(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new ValidationError("INVALID_OPTION", `${what} must be an integer from 0 to ${max}, got ${describe(value)}`);
  }
  return value;
}

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

/** Compares strings in UTF-8 byte order (= code point order), the order every driver lists in. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // A surrogate (a code point above U+FFFF) sorts after every BMP unit from U+E000 up.
      if (x >= 0xd800 && y >= 0xd800) {
        const xs = x <= 0xdfff;
        const ys = y <= 0xdfff;
        if (xs !== ys) return xs ? 1 : -1;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Compares edge keys by (from, type, to) in UTF-8 byte order. */
export function compareEdgeKeys(
  a: { from: string; type: string; to: string },
  b: { from: string; type: string; to: string },
): number {
  return compareUtf8(a.from, b.from) || compareUtf8(a.type, b.type) || compareUtf8(a.to, b.to);
}
