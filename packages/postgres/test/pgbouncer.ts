// A private PgBouncer (transaction pooling) in front of a private PostgreSQL server, for the
// PgBouncer test. Runs as the `postgres` OS user when we are root (PgBouncer refuses root).
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, ids } from "./private-server.ts";

const BIN = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].find((p) => existsSync(p));

export function pgbouncerBin(): { bin?: string; reason?: string } {
  return BIN ? { bin: BIN } : { reason: "no pgbouncer binary (apt-get install pgbouncer)" };
}

export class PrivatePgBouncer {
  readonly port: number;
  readonly dir: string;

  private constructor(port: number) {
    this.port = port;
    this.dir = mkdtempSync(path.join(tmpdir(), "stowage-pgbouncer-"));
  }

  /** Transaction pooling with `poolSize` server connections to `postgres` on `serverPort`. */
  static async start(bin: string, serverPort: number, poolSize: number): Promise<PrivatePgBouncer> {
    const b = new PrivatePgBouncer(await freePort());
    const file = (name: string) => path.join(b.dir, name);
    writeFileSync(file("users.txt"), '"postgres" ""\n');
    writeFileSync(
      file("pgbouncer.ini"),
      [
        "[databases]",
        `postgres = host=127.0.0.1 port=${serverPort} dbname=postgres`,
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        `listen_port = ${b.port}`,
        "unix_socket_dir =",
        "auth_type = trust",
        `auth_file = ${file("users.txt")}`,
        "pool_mode = transaction",
        `default_pool_size = ${poolSize}`,
        "max_client_conn = 100",
        `logfile = ${file("pgbouncer.log")}`,
        `pidfile = ${file("pgbouncer.pid")}`,
        "ignore_startup_parameters = extra_float_digits,options",
        "",
      ].join("\n"),
    );
    const root = process.getuid?.() === 0;
    if (root) {
      const { uid, gid } = ids("postgres");
      for (const f of ["", "users.txt", "pgbouncer.ini"]) chownSync(path.join(b.dir, f), uid, gid);
    }
    const args = ["-d", file("pgbouncer.ini")];
    execFileSync(root ? "runuser" : bin, root ? ["-u", "postgres", "--", bin, ...args] : args, {
      stdio: "pipe",
      timeout: 10_000,
    });
    for (let i = 0; i < 100 && !existsSync(file("pgbouncer.pid")); i++)
      await new Promise((r) => setTimeout(r, 50));
    return b;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  stop(): void {
    try {
      process.kill(
        Number(readFileSync(path.join(this.dir, "pgbouncer.pid"), "utf8").trim()),
        "SIGTERM",
      );
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
