// Where the CLI writes. Every byte of text it prints (results, messages, progress, JSON) goes
// through `redactSecrets`, so a password or token in a URL never reaches a terminal or a log.

import type { Readable, Writable } from "node:stream";
import { redactSecrets } from "@stowage/core";

export type TextStream = Writable & { readonly isTTY?: boolean; readonly columns?: number };

/** The process streams and environment a command runs with (tests pass their own). */
export interface CliIo {
  readonly stdout: TextStream;
  readonly stderr: TextStream;
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Text output of one command: results to stdout (or stderr when stdout carries data), messages to stderr. */
export class Output {
  readonly io: CliIo;
  readonly quiet: boolean;
  readonly json: boolean;
  /** Results go to stderr because stdout carries exported data. */
  resultsToStderr = false;

  constructor(io: CliIo, options: { quiet?: boolean; json?: boolean } = {}) {
    this.io = io;
    this.quiet = options.quiet ?? false;
    this.json = options.json ?? false;
  }

  /** A result line (the summary); silenced by --quiet and replaced by the JSON result under --json. */
  result(text: string): void {
    if (this.quiet || this.json) return;
    write(this.resultsToStderr ? this.io.stderr : this.io.stdout, text);
  }

  /** The machine-readable result of --json: one JSON object on one line. */
  jsonResult(value: unknown): void {
    if (!this.json) return;
    write(this.resultsToStderr ? this.io.stderr : this.io.stdout, JSON.stringify(value));
  }

  /** A message for the person running the command (warnings), on stderr; silenced by --quiet. */
  note(text: string): void {
    if (!this.quiet) write(this.io.stderr, text);
  }

  /** An error line, on stderr, always. */
  error(text: string): void {
    write(this.io.stderr, text);
  }
}

export function write(stream: TextStream, text: string): void {
  stream.write(`${redactSecrets(text)}\n`);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
