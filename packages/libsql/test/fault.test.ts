// Faults of the embedded database: close() releases the file at once, a full disk is a typed
// error that leaves the database intact, and a writer process killed mid-batch corrupts nothing.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { StorageError, createStore } from "@stowage/core";
import { afterAll, describe, expect, it } from "vitest";
import { createLibsqlDriver } from "../src/index.ts";
import { databasePath, released } from "../src/release.ts";
import { tempDbUrl } from "./helpers.ts";

const linux = process.platform === "linux";

/** Descriptors this process holds on files under `dir`. */
function descriptorsUnder(dir: string): string[] {
  return readdirSync("/proc/self/fd")
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return "";
      }
    })
    .filter((target) => target.startsWith(`${dir}/`));
}

async function integrityOk(url: string): Promise<void> {
  const client = createClient({ url });
  try {
    const rs = await client.execute("PRAGMA integrity_check");
    expect(rs.rows.map((r) => r[0])).toEqual(["ok"]);
  } finally {
    client.close();
    await released(databasePath(url)); // the umount of the full-disk test needs the file released
  }
}

/** Mounts a 1 MiB tmpfs (root only); the reason when it cannot. */
function smallDisk(): { dir?: string; reason?: string } {
  if (!linux) return { reason: "tmpfs needs Linux" };
  if (process.getuid?.() !== 0) return { reason: "mounting a tmpfs needs root" };
  const dir = mkdtempSync(path.join(tmpdir(), "stowage-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], { stdio: "pipe" });
    return { dir };
  } catch (error) {
    rmdirSync(dir);
    return { reason: `mount -t tmpfs failed: ${String((error as Error).message).split("\n")[0]}` };
  }
}

describe("libsql faults", () => {
  it.skipIf(!linux)(
    "close() releases the database, -wal and -shm descriptors at once",
    async () => {
      const { url, file } = tempDbUrl("fd.db");
      const store = createStore(createLibsqlDriver({ url }));
      await store.kv("n").set("a", 1);
      const dir = path.dirname(file);
      expect(
        descriptorsUnder(dir)
          .map((f) => path.basename(f))
          .sort(),
      ).toEqual(["fd.db", "fd.db-shm", "fd.db-wal"]);
      const started = performance.now();
      await store.close();
      expect(performance.now() - started).toBeLessThan(1000);
      expect(descriptorsUnder(dir)).toEqual([]);
    },
  );

  const disk = smallDisk();
  afterAll(() => {
    if (!disk.dir) return;
    try {
      execFileSync("umount", [disk.dir], { stdio: "pipe" });
    } catch {
      // After SQLITE_FULL libSQL may hold the file until its statements are collected: detach.
      execFileSync("umount", ["-l", disk.dir], { stdio: "pipe" });
    }
    rmdirSync(disk.dir);
  });

  it.skipIf(!disk.dir)(
    `a full disk: a typed error, nothing half written, the database intact${disk.reason ? ` — skipped: ${disk.reason}` : ""}`,
    async () => {
      const url = `file:${path.join(disk.dir as string, "full.db")}`;
      const store = createStore(createLibsqlDriver({ url }));
      const kv = store.kv<string>("fill");
      await kv.set("first", "kept");
      const chunk = "x".repeat(64 * 1024);
      let error: unknown;
      let written = 0;
      for (let i = 0; i < 100 && error === undefined; i++) {
        try {
          await kv.setMany(
            Array.from({ length: 4 }, (_, k) => ({ key: `b${i}-${k}`, value: `${i}${chunk}` })),
          );
          written = i + 1;
        } catch (e) {
          error = e;
        }
      }
      expect(error, "the 1 MiB disk filled up").toBeDefined();
      expect(error).toBeInstanceOf(StorageError);
      const e = error as StorageError;
      console.info(`[fault] full disk after ${written} batches: ${e.name} ${e.code}: ${e.message}`);
      expect(e.code).toBe("STORAGE");
      expect(e.reason).toBe("FULL");
      expect(e.message).toMatch(/full|SQLITE_FULL/i);
      // The failed batch left nothing behind; what was acknowledged is all there.
      expect(await kv.count({ prefix: `b${written}-` })).toBe(0);
      expect(await kv.get("first")).toBe("kept");
      expect(await kv.count()).toBe(1 + written * 4);
      await store.close();
      await integrityOk(url);
    },
    20_000,
  );

  it("a writer process killed mid-stream: no corruption, every batch whole, nothing acknowledged lost", async () => {
    const { url } = tempDbUrl("killed.db");
    const writer = fileURLToPath(new URL("./fixtures/endless-writer.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      ["--conditions=@stowage/source", "--no-warnings", writer, url],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let acked = 0;
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const enough = new Promise<void>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        const last = String(d).trim().split("\n").pop() ?? "";
        acked = Number(last.replace("acked ", "")) || acked;
        if (acked >= 30) resolve();
      });
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await Promise.race([enough, exited]);
    expect(stderr).toBe("");
    child.kill("SIGKILL");
    await exited;
    expect(acked).toBeGreaterThanOrEqual(30);

    await integrityOk(url);
    const store = createStore(createLibsqlDriver({ url }));
    const kv = store.kv<number>("batches");
    const values = await kv.getMany(Array.from({ length: 20 }, (_, k) => `k${k}`));
    // One batch is all or nothing: every key holds the same batch number, at least the last acked.
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toBeGreaterThanOrEqual(acked);
    const last = values[0] as number;
    const g = store.graph("g");
    expect((await g.neighbors(`n${last}`, { direction: "out" })).length).toBeOneOf([0, 5]);
    expect(await g.neighbors(`n${acked}`, { direction: "out" })).toHaveLength(5);
    // The store writes on after the crash.
    await kv.set("after", 1);
    await store.close();
  }, 20_000);
});
