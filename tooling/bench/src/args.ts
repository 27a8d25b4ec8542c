// Command-line flags of `pnpm bench`.

export interface Args {
  /** Shorter budgets: a smoke run, not numbers to quote. */
  quick: boolean;
  /** Backends to run (all when undefined). */
  only: string[] | undefined;
  help: boolean;
}

export function parseArgs(argv: readonly string[], known: readonly string[]): Args {
  const args: Args = { quick: false, only: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") continue; // pnpm may pass it through
    if (a === "--quick") args.quick = true;
    else if (a === "--help" || a === "-h") args.help = true;
    else if (a === "--only" || a.startsWith("--only=")) {
      const value = a === "--only" ? argv[++i] : a.slice("--only=".length);
      if (!value) throw new Error("--only needs a list, e.g. --only libsql,redis");
      args.only = value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    } else {
      throw new Error(`unknown argument ${JSON.stringify(a)} (try --help)`);
    }
  }
  const unknown = args.only?.filter((n) => !known.includes(n)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown backend ${unknown.join(", ")}; known: ${known.join(", ")}`);
  return args;
}
