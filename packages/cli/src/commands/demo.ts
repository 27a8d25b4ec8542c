// `stowage demo`: the command-line face of ./demo.ts.

import { type Command, type CommandContext, stringOption, URL_OPTION } from "../command.ts";
import { DEFAULT_DEMO_URL, runDemo } from "../demo.ts";
import { write } from "../output.ts";

async function run(ctx: CommandContext): Promise<number> {
  const url = stringOption(ctx.values, "url") ?? ctx.io.env.STOWAGE_URL;
  await runDemo({
    ...(url === undefined ? {} : { url }),
    write: (line) => write(ctx.io.stdout, line),
  });
  return 0;
}

export const demoCommand: Command = {
  summary: `build a small knowledge graph and session records, then traverse, search paths, compare-and-set and expire (default --url ${DEFAULT_DEMO_URL})`,
  usage: "stowage demo [--url <url>]",
  options: { ...URL_OPTION },
  optionHelp: [["--url <url>", `where to store (default: $STOWAGE_URL, then ${DEFAULT_DEMO_URL})`]],
  notes: ["Everything is an upsert: a second run reuses the data and only the run counter grows."],
  run,
};
