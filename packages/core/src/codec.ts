// The value codec: JSON text plus tagged objects for what JSON cannot say, so that Date, BigInt,
// Uint8Array, Map, Set, undefined in arrays, NaN/±Infinity/-0 round-trip exactly on every driver.
// Strings that some backends cannot hold in JSON (U+0000, lone surrogates) are tagged too, so every
// encoded text is safe for PostgreSQL jsonb, SQLite JSON functions and Redis alike.

import { StorageError, ValidationError } from "./errors.ts";

/** Key used for tagged objects. User objects that have this key are themselves tagged ("obj"). */
const TAG = "$t";

type Wire = null | boolean | number | string | Wire[] | { [key: string]: Wire };

export interface CodecOptions {
  /** Largest encoded value in UTF-8 bytes. */
  readonly maxBytes: number;
}

function invalid(path: string, what: string): ValidationError {
  return new ValidationError(
    "INVALID_VALUE",
    `cannot store ${what} at ${path || "the top level"}: values are JSON plus Date, BigInt, Uint8Array, Map, Set and undefined inside arrays`,
  );
}

/** True for strings every backend can hold inside JSON text. */
const MAYBE_UNSAFE = /[\u0000\ud800-\udfff]/;

function isSafeString(s: string): boolean {
  // One regex scan clears almost every string; surrogates may still be well-formed pairs.
  return !MAYBE_UNSAFE.test(s) || (!s.includes("\u0000") && s.isWellFormed());
}

function stringToWire(s: string): Wire {
  if (isSafeString(s)) return s;
  const units: number[] = new Array(s.length);
  for (let i = 0; i < s.length; i++) units[i] = s.charCodeAt(i);
  return { [TAG]: "str", v: units };
}

function numberToWire(n: number): Wire {
  if (Number.isFinite(n) && !Object.is(n, -0)) return n;
  return { [TAG]: "num", v: Object.is(n, -0) ? "-0" : String(n) };
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Converts a value to its JSON-safe wire form. `ancestors` detects cycles. */
function toWire(value: unknown, path: string, ancestors: Set<object>, inArray: boolean): Wire {
  switch (typeof value) {
    case "string":
      return stringToWire(value);
    case "number":
      return numberToWire(value);
    case "boolean":
      return value;
    case "bigint":
      return { [TAG]: "big", v: value.toString() };
    case "undefined":
      if (inArray) return { [TAG]: "undef" };
      throw invalid(path, "undefined");
    case "function":
      throw invalid(path, "a function");
    case "symbol":
      throw invalid(path, "a symbol");
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.has(obj)) throw invalid(path, "a cycle (an object that contains itself)");
  ancestors.add(obj);
  try {
    if (Array.isArray(obj)) {
      const out: Wire[] = new Array(obj.length);
      for (let i = 0; i < obj.length; i++) out[i] = toWire(obj[i], `${path}[${i}]`, ancestors, true);
      return out;
    }
    if (obj instanceof Date) {
      const t = obj.getTime();
      return { [TAG]: "date", v: Number.isNaN(t) ? null : t };
    }
    if (obj instanceof Uint8Array) {
      if (obj.constructor !== Uint8Array && !isNodeBuffer(obj)) throw invalid(path, obj.constructor.name);
      return { [TAG]: "bytes", v: bytesToBase64(obj) };
    }
    if (obj instanceof Map) {
      const entries: Wire[] = [];
      let i = 0;
      for (const [k, v] of obj) {
        entries.push([
          toWire(k, `${path}<map key ${i}>`, ancestors, true),
          toWire(v, `${path}<map value ${i}>`, ancestors, true),
        ]);
        i++;
      }
      return { [TAG]: "map", v: entries };
    }
    if (obj instanceof Set) {
      const items: Wire[] = [];
      let i = 0;
      for (const v of obj) items.push(toWire(v, `${path}<set item ${i++}>`, ancestors, true));
      return { [TAG]: "set", v: items };
    }
    if (!isPlainObject(obj)) {
      throw invalid(path, `an instance of ${obj.constructor?.name ?? "a class"}`);
    }
    const source = obj as Record<string, unknown>;
    const keys = Object.keys(source);
    let needsEntries = false;
    const out: Record<string, Wire> = {};
    for (const key of keys) {
      const v = source[key];
      if (v === undefined) continue; // like JSON: an undefined property is absent
      if (key === TAG || !isSafeString(key)) needsEntries = true;
      const w = toWire(v, path ? `${path}.${key}` : key, ancestors, false);
      if (key === "__proto__") Object.defineProperty(out, key, { value: w, enumerable: true, writable: true, configurable: true });
      else out[key] = w;
    }
    if (!needsEntries) return out;
    return { [TAG]: "obj", v: Object.keys(out).map((k) => [stringToWire(k), out[k] as Wire]) };
  } finally {
    ancestors.delete(obj);
  }
}

/** Nesting past which the fast path gives up and lets the tagged path decide. */
const FAST_PATH_DEPTH = 200;

/**
 * True when native JSON.stringify(value) already is the wire form: plain objects and arrays of
 * safe strings, finite numbers (not -0), booleans and null, no "$t" keys, no undefined in arrays.
 * It allocates nothing; values that are not plain JSON take the tagged path.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
      return isSafeString(value);
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "boolean":
      return true;
    case "object": {
      if (value === null) return true;
      if (depth > FAST_PATH_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          if (item === undefined || !isPlainJson(item, depth + 1)) return false;
        }
        return true;
      }
      if (!isPlainObject(value)) return false;
      for (const key of Object.keys(value)) {
        if (key === TAG || !isSafeString(key)) return false;
        const item = (value as Record<string, unknown>)[key];
        if (item !== undefined && !isPlainJson(item, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** JSON text of a value, natively when it is plain JSON, through the tagged form otherwise. */
function toJsonText(value: unknown): string {
  if (isPlainJson(value, 0)) return JSON.stringify(value);
  return JSON.stringify(wrapDepth(() => toWire(value, "", new Set(), false)));
}

function isNodeBuffer(value: Uint8Array): boolean {
  return typeof Buffer !== "undefined" && Buffer.isBuffer(value);
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function base64ToBytes(text: string): Uint8Array {
  const buf = Buffer.from(text, "base64");
  const out = new Uint8Array(buf.byteLength);
  out.set(buf);
  return out;
}

/** Stored data that does not decode: the database holds something stowage did not write. */
function corrupt(detail: string): StorageError {
  return new StorageError("CORRUPT", `stored value is not valid stowage encoding: ${detail}`);
}

function fromWire(w: unknown): unknown {
  if (w === null || typeof w !== "object") return w;
  if (Array.isArray(w)) {
    for (let i = 0; i < w.length; i++) w[i] = fromWire(w[i]);
    return w;
  }
  const o = w as Record<string, unknown>;
  if (Object.hasOwn(o, TAG)) return fromTagged(o);
  for (const key of Object.keys(o)) {
    const v = fromWire(o[key]);
    if (key === "__proto__") Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
    else o[key] = v;
  }
  return o;
}

function fromTagged(o: Record<string, unknown>): unknown {
  const v = o.v;
  switch (o[TAG]) {
    case "undef":
      return undefined;
    case "big":
      return BigInt(v as string);
    case "num":
      return v === "-0" ? -0 : Number(v);
    case "date":
      return new Date(v === null ? Number.NaN : (v as number));
    case "bytes":
      return base64ToBytes(v as string);
    case "str":
      return String.fromCharCode(...(v as number[]));
    case "map":
      return new Map((v as unknown[][]).map(([k, x]) => [fromWire(k), fromWire(x)]));
    case "set":
      return new Set((v as unknown[]).map(fromWire));
    case "obj": {
      const out: Record<string, unknown> = {};
      for (const [k, x] of v as unknown[][]) {
        Object.defineProperty(out, fromWire(k) as string, { value: fromWire(x), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    default:
      throw corrupt(`unknown tag ${JSON.stringify(o[TAG])}`);
  }
}

/** UTF-8 length of a string without allocating. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function checkSize(text: string, maxBytes: number, what: string): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: only count when the string could be too large.
  if (text.length * 3 > maxBytes) {
    const bytes = utf8Length(text);
    if (bytes > maxBytes) {
      throw new ValidationError(
        "VALUE_TOO_LARGE",
        `${what} is ${bytes} bytes encoded, over the limit of ${maxBytes} bytes (option maxValueBytes)`,
      );
    }
  }
  return text;
}

function wrapDepth<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof RangeError) {
      throw new ValidationError("INVALID_VALUE", "value is nested too deeply to encode", { cause: error });
    }
    throw error;
  }
}

/** Encodes any supported value to text. Throws ValidationError for the rest or when too large. */
export function encodeValue(value: unknown, options: CodecOptions): string {
  if (value === undefined) {
    throw new ValidationError("INVALID_VALUE", "cannot store undefined as a value: use delete() to remove a key");
  }
  return checkSize(toJsonText(value), options.maxBytes, "value");
}

/** Decodes text made by `encodeValue`. */
export function decodeValue<T = unknown>(text: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt((error as Error).message);
  }
  // Every tagged object contains the literal `"$t"` (inside a string it would read `\"$t\"`),
  // so text without it is plain JSON and needs no walk.
  if (!text.includes('"$t"')) return parsed as T;
  return wrapDepth(() => fromWire(parsed)) as T;
}

/**
 * Encodes graph properties: a JSON object whose top-level keys are the property names and whose
 * values are encoded values, so drivers can merge props key by key (jsonb `||`, a hash, a spread)
 * without decoding them.
 */
export function encodeProps(props: unknown, options: CodecOptions, what = "props"): string {
  if (props === undefined) return "{}";
  if (props === null || typeof props !== "object" || Array.isArray(props) || !isPlainObject(props)) {
    throw new ValidationError("INVALID_VALUE", `${what} must be a plain object`);
  }
  if (isPlainProps(props as Record<string, unknown>)) return checkSize(JSON.stringify(props), options.maxBytes, what);
  const out: Record<string, Wire> = {};
  const ancestors = new Set<object>([props]);
  wrapDepth(() => {
    for (const [key, v] of Object.entries(props as Record<string, unknown>)) {
      if (v === undefined) continue;
      if (key.length === 0 || !isSafeString(key)) {
        throw new ValidationError("INVALID_VALUE", `${what}: property names must be non-empty well-formed strings without U+0000`);
      }
      const w = isPlainJson(v, 1) ? (v as Wire) : toWire(v, key, ancestors, false);
      if (key === "__proto__") Object.defineProperty(out, key, { value: w, enumerable: true, writable: true, configurable: true });
      else out[key] = w;
    }
  });
  return checkSize(JSON.stringify(out), options.maxBytes, what);
}

/** Decodes text made by `encodeProps` (or merged by a driver). */
export function decodeProps<P = Record<string, unknown>>(text: string): P {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt((error as Error).message);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw corrupt("props are not an object");
  const o = parsed as Record<string, unknown>;
  if (!text.includes('"$t"')) return o as P;
  for (const key of Object.keys(o)) {
    const v = wrapDepth(() => fromWire(o[key]));
    if (key === "__proto__") Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
    else o[key] = v;
  }
  return o as P;
}

/** Props that native JSON.stringify already encodes: named by safe strings, with plain JSON values. */
function isPlainProps(props: Record<string, unknown>): boolean {
  for (const key of Object.keys(props)) {
    if (key.length === 0 || !isSafeString(key)) return false;
    const v = props[key];
    if (v !== undefined && !isPlainJson(v, 1)) return false;
  }
  return true;
}

/**
 * Merges encoded props top-level key by key (`next` wins). For drivers that merge in JavaScript;
 * the result equals what jsonb `old || new` gives.
 */
export function mergeEncodedProps(previous: string, next: string): string {
  if (previous === "{}") return next;
  if (next === "{}") return previous;
  const merged = JSON.parse(previous) as Record<string, unknown>;
  const incoming = JSON.parse(next) as Record<string, unknown>;
  for (const key of Object.keys(incoming)) {
    if (key === "__proto__") Object.defineProperty(merged, key, { value: incoming[key], enumerable: true, writable: true, configurable: true });
    else merged[key] = incoming[key];
  }
  return JSON.stringify(merged);
}
