// What every command shares: its option table and help text, the store URL (--url or
// STOWAGE_URL), opening and closing stores, and the rule for drawing progress.

import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ParseArgsOptionsConfig } from "node:util";
import { openStore, type Store } from "@stowage/core";
import { registerBundledDrivers } from "./drivers.ts";
import type { CliIo, Output } from "./output.ts";
import { ProgressLine } from "./progress.ts";

/** A mistake in the command line: exit code 2 with the message and a pointer to --help. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A command that ran and found a problem it already reported (exit code 1, no extra message). */
export class ReportedFailure extends Error {
  override name = "ReportedFailure";
  readonly exitCode: number;
  constructor(exitCode = 1) {
    super("reported");
    this.exitCode = exitCode;
  }
}

/** Records read per round trip by export and migrate: large enough to amortise the round trip, small enough to stay flat in memory. */
export const PAGE_SIZE = 5000;

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  readonly name: string;
  readonly io: CliIo;
  readonly out: Output;
  readonly values: OptionValues;
  readonly positionals: readonly string[];
}

export interface Command {
  /** One line for `stowage --help`. */
  readonly summary: string;
  /** The synopsis, e.g. `stowage stats [--url U] [--json]`. */
  readonly usage: string;
  /** Options besides --help, with their help lines. */
  readonly options: ParseArgsOptionsConfig;
  readonly optionHelp: readonly (readonly [string, string])[];
  /** Paragraphs after the options (examples, exit codes). */
  readonly notes?: readonly string[];
  readonly positionals?: { readonly min: number; readonly max: number; readonly name: string };
  run(ctx: CommandContext): Promise<number>;
}

export const URL_OPTION = { url: { type: "string" } } as const satisfies ParseArgsOptionsConfig;
export const OUTPUT_OPTIONS = {
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
} as const satisfies ParseArgsOptionsConfig;

export const URL_HELP = [
  "--url <url>",
  "the store (default: $STOWAGE_URL): file:./app.db, postgres://…, redis://…, libsql://…, memory:",
] as const;
export const JSON_HELP = ["--json", "print the result as one JSON object (no progress)"] as const;
export const QUIET_HELP = ["-q, --quiet", "print nothing but errors"] as const;

export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

export function listOption(values: OptionValues, name: string): string[] | undefined {
  const v = values[name];
  return Array.isArray(v) && v.length > 0 ? v : undefined;
}

/** The store URL of a command: --url (or the named option), else $STOWAGE_URL. */
export function storeUrl(ctx: CommandContext, option = "url"): string {
  const fallback =
    option === "from"
      ? (stringOption(ctx.values, "url") ?? ctx.io.env.STOWAGE_URL)
      : option === "url"
        ? ctx.io.env.STOWAGE_URL
        : undefined;
  const url = stringOption(ctx.values, option) ?? fallback;
  if (!url) {
    throw new UsageError(
      option === "url"
        ? "no store given: pass --url <url> or set STOWAGE_URL"
        : `--${option} <url> is required`,
    );
  }
  return url;
}

/** The path of a `file:` URL (libSQL), or undefined for any other URL. */
function filePath(url: string): string | undefined {
  if (!/^file:/i.test(url)) return undefined;
  const bare = url.split("?")[0] as string;
  return /^file:\/\//i.test(bare) ? fileURLToPath(bare) : bare.slice("file:".length);
}

/**
 * Opens the store of a URL with the bundled drivers. `existing`: the store is only read (check,
 * stats, export, a migrate source), so a `file:` URL naming no file is a mistake, not a new
 * empty database to create.
 */
export async function openCliStore(url: string, out: Output, existing = false): Promise<Store> {
  const file = existing ? filePath(url) : undefined;
  if (file !== undefined && file !== "" && !existsSync(file)) {
    throw new Error(`${url}: no such database file (${path.resolve(file)})`);
  }
  registerBundledDrivers();
  return openStore(url, { warn: (message) => out.note(message) });
}

/** Closes a store, but never waits more than a few seconds for it (a dead server must not hang the CLI). */
export async function closeQuietly(store: Store | undefined): Promise<void> {
  if (!store) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    store.close().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 3000);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/**
 * The live progress line is drawn on stderr only when a person watches: stderr is a terminal,
 * stdout is a terminal too (or carries exported data), and neither --quiet nor --json was given.
 */
export function progressFor(
  ctx: CommandContext,
  label: string,
  stdoutIsData = false,
): ProgressLine {
  const { io, out } = ctx;
  const enabled =
    !out.quiet &&
    !out.json &&
    Boolean(io.stderr.isTTY) &&
    (stdoutIsData || Boolean(io.stdout.isTTY));
  return new ProgressLine(io.stderr, label, enabled);
}

/** Runs `work`, failing with `message` when it takes longer than `ms`. */
export async function within<T>(ms: number, message: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // The loser of the race must not surface later as an unhandled rejection.
  work.catch(() => {});
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
