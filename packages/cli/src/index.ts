// The `stowage` command as a library: `main(argv)` for the bin, `runDemo()` for tests and scripts.

import { parseArgs } from "node:util";
import { DEFAULT_DEMO_URL, runDemo } from "./demo.ts";

export { DEFAULT_DEMO_URL, runDemo } from "./demo.ts";
export type { DemoOptions, DemoSummary } from "./demo.ts";

/** Commands and their one-line help, in the order `stowage --help` lists them. */
export const COMMANDS: Readonly<Record<string, string>> = {
  demo: `build a small knowledge graph and session records, then traverse, search paths, compare-and-set and expire (default --url ${DEFAULT_DEMO_URL})`,
};

export interface MainIo {
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "usage: stowage <command> [--url <url>]",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, help]) => `  ${name.padEnd(width)}  ${help}`),
    "",
    "options:",
    "  --url <url>  the store: file:./app.db, :memory:, libsql://…, postgres://…, redis://…, memory:",
    "  -h, --help   this help",
  ].join("\n");
}

/** Runs one command line; resolves to the process exit code. */
export async function main(argv: readonly string[], io: MainIo = {}): Promise<number> {
  const out = io.out ?? ((line: string) => console.log(line));
  const err = io.err ?? ((line: string) => console.error(line));
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    err(`stowage: ${error instanceof Error ? error.message : String(error)}`);
    err(usage());
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || command === undefined || command === "help") {
    out(usage());
    return command === undefined && !parsed.values.help ? 2 : 0;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    err(
      `stowage: unknown command "${command}". Commands: ${Object.keys(COMMANDS).join(", ")}. Try stowage --help.`,
    );
    return 2;
  }
  if (rest.length > 0) {
    err(`stowage ${command}: unexpected argument "${rest[0]}"`);
    return 2;
  }
  try {
    await runDemo({
      ...(parsed.values.url === undefined ? {} : { url: parsed.values.url }),
      write: out,
    });
    return 0;
  } catch (error) {
    err(`stowage ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
