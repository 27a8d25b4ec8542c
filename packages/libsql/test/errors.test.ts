// Every way openStore("file:…") / a libSQL URL can fail, and what the caller gets: a stowage error
// class (never a raw LibsqlError or TypeError), at open only for a malformed URL, else at the first
// call (StorageError for a file that is not a database or cannot be written), with no token shown.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  openStore,
  StorageError,
  StowageError,
  UnavailableError,
  ValidationError,
} from "@stowage/core";
import { errorRenderings } from "@stowage/conformance";
import { afterAll, describe, expect, it } from "vitest";
import { tempDbUrl } from "./helpers.ts";

const TOKEN = "libsql-token-Secret-42";

async function firstCallError(url: string): Promise<unknown> {
  const store = await openStore(url); // never connects: a bad file fails at the first call
  try {
    return await store
      .kv("ns")
      .set("k", 1)
      .then(
        () => new Error(`a write to ${url} succeeded`),
        (e: unknown) => e,
      );
  } finally {
    await store.close();
  }
}

describe("openStore failure paths (libSQL)", () => {
  it.each(["file:", "sqlite:", "file://", "file:?x=1"])(
    "%s (no path) is a ValidationError, not a throwaway database",
    async (url) => {
      await expect(openStore(url)).rejects.toThrow(ValidationError);
    },
  );

  it("a URL libSQL cannot parse is a ValidationError at open", async () => {
    await expect(openStore("file://remote-host/x.db")).rejects.toThrow(ValidationError);
    await expect(openStore(`libsql://[bad host/?authToken=${TOKEN}`)).rejects.toThrow(StowageError);
  });

  it("a random-bytes file opens, and the first call is a StorageError CORRUPT", async () => {
    const { url, file } = tempDbUrl("random.db");
    writeFileSync(file, randomBytes(16_384));
    const error = await firstCallError(url);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "STORAGE", reason: "CORRUPT", retryable: false });
  });

  it("a missing directory opens, the first call is an UnavailableError, and a call after the directory exists works", async () => {
    expect(await firstCallError("file:/nonexistent-dir-for-stowage/x.db")).toBeInstanceOf(
      UnavailableError,
    );
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "stowage-libsql-late-")), "later");
    const store = await openStore(`file:${path.join(dir, "app.db")}`);
    try {
      await expect(store.ping()).rejects.toThrow(UnavailableError);
      mkdirSync(dir);
      await store.kv("ns").set("k", 1);
      expect(await store.kv("ns").get("k")).toBe(1);
    } finally {
      await store.close();
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it("an unreachable server with a token: UnavailableError at the first call, the token in no rendering", async () => {
    for (const url of [`http://127.0.0.1:9?authToken=${TOKEN}`, "http://127.0.0.1:9"]) {
      const store = await openStore(url, { driverOptions: { authToken: TOKEN } });
      const error = await store.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      await store.close();
      expect(error).toBeInstanceOf(UnavailableError);
      for (const text of errorRenderings(error)) expect(text).not.toContain(TOKEN);
    }
  });
});

describe("a read-only file in a read-only directory", () => {
  const root = mkdtempSync(path.join(tmpdir(), "stowage-libsql-ro-"));
  const source = path.join(root, "source");
  const readOnly = path.join(root, "ro");
  mkdirSync(source);
  mkdirSync(readOnly);
  let mounted = false;
  afterAll(() => {
    if (mounted) execFileSync("umount", ["-l", readOnly]);
    chmodSync(source, 0o755);
    rmSync(root, { recursive: true, force: true });
  });

  /** Read-only by permissions; as root (who ignores them), by a read-only bind mount. */
  function makeReadOnly(): boolean {
    if (process.getuid?.() !== 0) {
      chmodSync(path.join(source, "app.db"), 0o444);
      chmodSync(source, 0o555);
      return true;
    }
    try {
      execFileSync("mount", ["--bind", source, readOnly], { stdio: "ignore" });
      mounted = true;
      execFileSync("mount", ["-o", "remount,bind,ro", readOnly], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  }

  it("existing and new files: a StorageError READ_ONLY at the first call", async (ctx) => {
    const setup = await openStore(`file:${path.join(source, "app.db")}`);
    await setup.kv("ns").set("k", 1);
    await setup.close();
    if (!makeReadOnly())
      ctx.skip("running as root without mount(8) rights: cannot make a read-only directory");
    const dir = mounted ? readOnly : source;
    for (const file of ["app.db", "new.db"]) {
      const error = await firstCallError(`file:${path.join(dir, file)}`);
      expect(error, file).toBeInstanceOf(StorageError);
      expect(error, file).toMatchObject({ reason: "READ_ONLY" });
    }
  });
});
