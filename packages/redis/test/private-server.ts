// Helpers for tests that start a private redis-server on a random port (never the shared one).
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";

function which(bin: string): string | undefined {
  try {
    return (
      execFileSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}
/** The redis-server binary for tests that start their own server (PATH or STOWAGE_REDIS_SERVER_BIN). */
export const REDIS_SERVER = process.env.STOWAGE_REDIS_SERVER_BIN || which("redis-server");

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
