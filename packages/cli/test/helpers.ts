// Test helpers: captured streams for main() in-process, and the CLI spawned as a user runs it.

import { spawn } from "node:child_process";
import { PassThrough, Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { CliIo } from "../src/index.ts";

/** Streams that collect what main() writes; `tty` makes them claim to be a terminal. */
export function capture(
  options: { stdin?: string | Buffer; tty?: boolean; env?: Record<string, string> } = {},
) {
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const sink = (into: Buffer[]) => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        into.push(Buffer.from(chunk));
        done();
      },
    }) as Writable & { isTTY?: boolean; columns?: number };
    if (options.tty) {
      stream.isTTY = true;
      stream.columns = 200;
    }
    return stream;
  };
  const stdin =
    options.stdin === undefined
      ? new PassThrough().end()
      : Readable.from([Buffer.from(options.stdin)]);
  const io: CliIo = {
    stdout: sink(chunks.stdout),
    stderr: sink(chunks.stderr),
    stdin,
    env: { ...options.env },
  };
  return {
    io,
    stdout: () => Buffer.concat(chunks.stdout).toString("utf8"),
    stdoutBytes: () => Buffer.concat(chunks.stdout),
    stderr: () => Buffer.concat(chunks.stderr).toString("utf8"),
  };
}

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url));

export interface Spawned {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `stowage <args>` in a child process, from the sources (Node strips the types; the
 * `@stowage/source` condition resolves the workspace packages to their sources), so the tests
 * need no build.
 */
export function stowage(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; stdin?: Buffer } = {},
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=@stowage/source",
        "--experimental-strip-types",
        "--disable-warning=ExperimentalWarning",
        bin,
        ...args,
      ],
      {
        cwd: options.cwd,
        env: { ...process.env, STOWAGE_URL: undefined, ...options.env },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    child.stdin.end(options.stdin);
  });
}
