// A throwaway PostgreSQL server of our own (initdb in a temp dir, a random port) that fault tests
// may stop, kill and restart. Never the shared server. The PostgreSQL binaries refuse to run as
// root: as root they run as the `postgres` OS user (runuser), with the data dir owned by it.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const BIN_DIRS = [
  process.env.STOWAGE_PG_BIN,
  "/usr/lib/postgresql/16/bin",
  "/usr/lib/postgresql/15/bin",
];

/** The directory holding initdb and pg_ctl, or undefined (and the reason) when there is none. */
export function postgresBin(): { dir?: string; reason?: string } {
  for (const dir of BIN_DIRS) if (dir && existsSync(path.join(dir, "pg_ctl"))) return { dir };
  return {
    reason: "no PostgreSQL server binaries (set STOWAGE_PG_BIN to the directory holding pg_ctl)",
  };
}

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

export function ids(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
  return { uid, gid };
}

export class PrivatePostgres {
  readonly port: number;
  readonly dir: string;
  readonly #bin: string;
  readonly #asRoot = process.getuid?.() === 0;

  private constructor(bin: string, port: number) {
    this.#bin = bin;
    this.port = port;
    this.dir = mkdtempSync(path.join(tmpdir(), "stowage-pg-fault-"));
  }

  /** initdb (trust authentication, fsync off) and start. */
  static async create(bin: string): Promise<PrivatePostgres> {
    const server = new PrivatePostgres(bin, await freePort());
    if (server.#asRoot) {
      const { uid, gid } = ids("postgres");
      chownSync(server.dir, uid, gid);
    }
    chmodSync(server.dir, 0o700);
    server.#run("initdb", [
      "-D",
      server.data,
      "-U",
      "postgres",
      "-A",
      "trust",
      "--no-sync",
      "-E",
      "UTF8",
    ]);
    server.start();
    return server;
  }

  get data(): string {
    return path.join(this.dir, "data");
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  #run(tool: string, args: string[]): string {
    const exe = path.join(this.#bin, tool);
    const [file, argv] = this.#asRoot
      ? ["runuser", ["-u", "postgres", "--", exe, ...args]]
      : [exe, args];
    return execFileSync(file, argv, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
    });
  }

  start(): void {
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off -c full_page_writes=off -c max_connections=40`;
    this.#run("pg_ctl", [
      "-D",
      this.data,
      "-o",
      opts,
      "-l",
      path.join(this.dir, "log"),
      "-w",
      "-t",
      "20",
      "start",
    ]);
  }

  /** `immediate` kills every backend without a checkpoint (like a crash); `fast` ends sessions cleanly. */
  stop(mode: "fast" | "immediate" = "immediate"): void {
    this.#run("pg_ctl", ["-D", this.data, "-m", mode, "-w", "-t", "20", "stop"]);
  }

  /** The postmaster and its children (backends, background workers), by pid. */
  pids(): number[] {
    const main = Number(
      readFileSync(path.join(this.data, "postmaster.pid"), "utf8").split("\n")[0],
    );
    let children: number[] = [];
    try {
      children = execFileSync("pgrep", ["-P", String(main)], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map(Number);
    } catch {
      // no children
    }
    return [main, ...children];
  }

  /** SIGSTOP (freeze: connections stay open, nothing answers) or SIGCONT every server process. */
  signal(signal: "SIGSTOP" | "SIGCONT"): void {
    for (const pid of this.pids()) process.kill(pid, signal);
  }

  /** Stops the server (if running) and removes its files. */
  destroy(): void {
    try {
      this.signal("SIGCONT");
    } catch {
      // not running
    }
    try {
      this.stop("immediate");
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
