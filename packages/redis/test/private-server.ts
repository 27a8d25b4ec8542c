// Helpers for tests that start a private redis-server on a random port (never the shared one).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { redisServerBin } from "@stowage/testdb/redis-cluster";
import { Redis } from "ioredis";

/** The redis-server binary for tests that start their own server (STOWAGE_REDIS_SERVER_BIN or PATH). */
export const REDIS_SERVER = redisServerBin();

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface PrivateServer {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * A throwaway redis-server (no persistence) for tests whose long scripts would block the run's
 * shared server for every other test file (`BUSY` after 5 s on a loaded machine).
 */
export async function startPrivateServer(): Promise<PrivateServer> {
  if (!REDIS_SERVER) throw new Error("no redis-server binary (STOWAGE_REDIS_SERVER_BIN or PATH)");
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "stowage-redis-private-"));
  const child: ChildProcess = spawn(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore", cwd: dir },
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
    probe.on("error", () => {});
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw error;
      }
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      probe.disconnect();
    }
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
