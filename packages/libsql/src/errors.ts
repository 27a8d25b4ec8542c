// SQLite failures that mean "this database cannot store" (an operator must act), and the error
// for a local file the client could not even open.

import { accessSync, constants } from "node:fs";
import path from "node:path";
import { StorageError, type StorageReason, UnavailableError } from "@stowage/core";

const STORAGE_CODES: Readonly<Record<string, StorageReason>> = {
  SQLITE_FULL: "FULL",
  SQLITE_READONLY: "READ_ONLY",
  SQLITE_NOTADB: "CORRUPT",
  SQLITE_CORRUPT: "CORRUPT",
};

/** StorageError for SQLITE_FULL, SQLITE_READONLY*, SQLITE_NOTADB and SQLITE_CORRUPT*, else undefined. */
export function storageError(error: unknown, where: string): StorageError | undefined {
  const e = error as { code?: unknown; extendedCode?: unknown; message?: unknown } | null;
  const codes = [e?.code, e?.extendedCode].filter((c): c is string => typeof c === "string");
  const reason = codes
    .map((c) => STORAGE_CODES[c] ?? STORAGE_CODES[c.replace(/_[A-Z]+$/, "")])
    .find(Boolean);
  if (!reason) return undefined;
  return new StorageError(reason, `libsql: ${where} cannot store: ${String(e?.message ?? error)}`, {
    cause: error,
  });
}

/**
 * The client could not open a local file: a directory it may not write to (read-only file system
 * or permissions) is a READ_ONLY StorageError; anything else (a missing directory) UnavailableError.
 */
export function localOpenError(
  url: string | undefined,
  where: string,
  cause: unknown,
): StorageError | UnavailableError {
  const message = `libsql: cannot open ${where}: ${cause instanceof Error ? cause.message : String(cause)}`;
  const file =
    url && /^file:/i.test(url)
      ? url.replace(/^file:(\/\/)?/i, "").replace(/[?#].*$/, "")
      : undefined;
  if (file) {
    const dir = path.dirname(path.resolve(file));
    try {
      accessSync(dir, constants.F_OK);
      accessSync(dir, constants.W_OK);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "EROFS" || code === "EACCES" || code === "EPERM")
        return new StorageError("READ_ONLY", message, { cause });
    }
  }
  return new UnavailableError(message, { cause });
}
