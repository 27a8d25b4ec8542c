// Command-line flags of `pnpm bench`.

export interface Args {
  /** Shorter budgets: a smoke run, not numbers to quote. */
  quick: boolean;
  /** Backends to run (all when undefined). */
  only: string[] | undefined;
  /** Run only scenarios whose name contains one of these (case-insensitive). */
  scenarios: string[] | undefined;
  /** Dataset sizes given on the command line (the rest from the default or --quick). */
  keys?: number;
  others?: number;
  nodes?: number;
  hubDegree?: number;
  /** SQLite `synchronous` on both sides. */
  sqliteSync: "FULL" | "NORMAL";
  /** Add the Keyv 5 comparison to the KV scenarios (off with --no-keyv). */
  keyv: boolean;
  help: boolean;
}

const SIZES = {
  "--keys": "keys",
  "--others": "others",
  "--nodes": "nodes",
  "--hub": "hubDegree",
} as const;

export function parseArgs(argv: readonly string[], known: readonly string[]): Args {
  const args: Args = {
    quick: false,
    only: undefined,
    scenarios: undefined,
    sqliteSync: "FULL",
    keyv: true,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") continue; // pnpm may pass it through
    if (a === "--quick") args.quick = true;
    else if (a === "--no-keyv") args.keyv = false;
    else if (a === "--help" || a === "-h") args.help = true;
    else if ((a.split("=")[0] as string) in SIZES) {
      const [flag, inline] = a.split("=") as [keyof typeof SIZES, string | undefined];
      const value = Number(inline ?? argv[++i]);
      if (!Number.isInteger(value) || value < 0)
        throw new Error(`${flag} needs a non-negative integer`);
      args[SIZES[flag]] = value;
    } else if (a === "--sqlite-sync" || a.startsWith("--sqlite-sync=")) {
      const value = (
        a === "--sqlite-sync" ? argv[++i] : a.slice("--sqlite-sync=".length)
      )?.toUpperCase();
      if (value !== "FULL" && value !== "NORMAL")
        throw new Error("--sqlite-sync is FULL or NORMAL");
      args.sqliteSync = value;
    } else if (a === "--scenarios" || a.startsWith("--scenarios=")) {
      const value = a === "--scenarios" ? argv[++i] : a.slice("--scenarios=".length);
      if (!value) throw new Error("--scenarios needs a list, e.g. --scenarios get,findPaths");
      args.scenarios = value
        .split(",")
        .map((x) => x.trim().toLowerCase())
        .filter(Boolean);
    } else if (a === "--only" || a.startsWith("--only=")) {
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
  if (unknown.length > 0)
    throw new Error(`unknown backend ${unknown.join(", ")}; known: ${known.join(", ")}`);
  return args;
}
