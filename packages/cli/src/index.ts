// The `stowage` command as a library: `main(argv, io)` for the bin and tests, plus `runDemo()`.

import { parseArgs } from "node:util";
import pkg from "../package.json" with { type: "json" };
import {
  type Command,
  type CommandContext,
  type OptionValues,
  ReportedFailure,
  UsageError,
} from "./command.ts";
import { check } from "./commands/check.ts";
import { demoCommand } from "./commands/demo.ts";
import { exportCommand } from "./commands/export.ts";
import { importCommand } from "./commands/import.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { stats } from "./commands/stats.ts";
import { type CliIo, errorMessage, Output, processIo, write } from "./output.ts";

export { DEFAULT_DEMO_URL, runDemo } from "./demo.ts";
export type { DemoOptions, DemoSummary } from "./demo.ts";
export type { CliIo } from "./output.ts";

export const VERSION: string = pkg.version;

/** The commands, in the order `stowage --help` lists them. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  demo: demoCommand,
  check,
  stats,
  export: exportCommand,
  import: importCommand,
  migrate: migrateCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `stowage ${VERSION}: one storage contract for KV records and property graphs`,
    "",
    "usage: stowage <command> [options]   (stowage <command> --help for its options)",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "every command takes --url <url> (or $STOWAGE_URL): file:./app.db, :memory:, libsql://…, postgres://…, redis://…, memory:",
    "  -h, --help     this help",
    "  -v, --version  print the version",
  ].join("\n");
}

function commandHelp(name: string, c: Command): string {
  const rows: (readonly [string, string])[] = [...c.optionHelp, ["-h, --help", "this help"]];
  const width = Math.max(...rows.map((r) => r[0].length));
  return [
    `usage: ${c.usage}`,
    "",
    `${name}: ${c.summary}`,
    "",
    "options:",
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    ...(c.notes ? ["", ...c.notes] : []),
  ].join("\n");
}

/**
 * Runs one command line; resolves to the exit code: 0 done, 1 failed (one line on stderr says
 * why), 2 a mistake in the command line.
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = { ...processIo(), ...io };
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    write(first === undefined ? full.stderr : full.stdout, usage());
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-v") {
    write(full.stdout, VERSION);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    const what = first.startsWith("-") ? `unknown option "${first}"` : `unknown command "${first}"`;
    write(
      full.stderr,
      `stowage: ${what}. Commands: ${Object.keys(COMMANDS).join(", ")}. Try stowage --help.`,
    );
    return 2;
  }
  let values: OptionValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    }) as { values: OptionValues; positionals: string[] });
    if (values.help) {
      write(full.stdout, commandHelp(first, command));
      return 0;
    }
    const expected = command.positionals ?? { min: 0, max: 0, name: "" };
    if (positionals.length > expected.max)
      throw new UsageError(`unexpected argument "${positionals[expected.max]}"`);
    if (positionals.length < expected.min) throw new UsageError(`missing ${expected.name}`);
  } catch (error) {
    write(
      full.stderr,
      `stowage ${first}: ${usageMessage(error)}. Usage: ${command.usage} (stowage ${first} --help)`,
    );
    return 2;
  }
  const out = new Output(full, { quiet: values.quiet === true, json: values.json === true });
  const ctx: CommandContext = { name: first, io: full, out, values, positionals };
  try {
    return await command.run(ctx);
  } catch (error) {
    if (error instanceof ReportedFailure) return error.exitCode;
    if (error instanceof UsageError) {
      write(full.stderr, `stowage ${first}: ${error.message}`);
      return 2;
    }
    out.jsonResult({ ok: false, error: errorMessage(error) });
    write(full.stderr, `stowage ${first}: ${errorMessage(error)}`);
    return 1;
  }
}

/** parseArgs' messages, shortened to the point ("Unknown option '--x'. To specify…" → "unknown option --x"). */
function usageMessage(error: unknown): string {
  const message = errorMessage(error);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /^Option '([^']+)' argument missing/.exec(message);
  if (missing) return `option ${missing[1]} needs a value`;
  return message.split(". ")[0] ?? message;
}
