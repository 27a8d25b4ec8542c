// openStore(): a URL (or STOWAGE_URL) picks the driver package by scheme, loaded on demand, so
// users install only the driver they use.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { StowageError, toStowageError, UnsupportedError, ValidationError, redactUrl } from "./errors.ts";
import type { Driver, DriverModule } from "./spi.ts";
import { createStore } from "./store.ts";
import type { Store, StoreOptions } from "./types.ts";

type Loader = () => Promise<DriverModule>;

const builtin: Record<string, string> = {
  memory: "@stowage/memory",
  file: "@stowage/libsql",
  libsql: "@stowage/libsql",
  sqlite: "@stowage/libsql",
  http: "@stowage/libsql",
  https: "@stowage/libsql",
  ws: "@stowage/libsql",
  wss: "@stowage/libsql",
  postgres: "@stowage/postgres",
  postgresql: "@stowage/postgres",
  redis: "@stowage/redis",
  rediss: "@stowage/redis",
  "redis+cluster": "@stowage/redis",
  "rediss+cluster": "@stowage/redis",
};

const registered = new Map<string, Loader>();

/** Lets a third-party driver package claim a URL scheme (e.g. "mongodb"). */
export function registerDriver(scheme: string, load: Loader): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw new ValidationError("INVALID_OPTION", `invalid URL scheme ${JSON.stringify(scheme)}`);
  registered.set(scheme, load);
}

function schemeOf(url: string): string {
  if (url === ":memory:") return "file";
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (!match) {
    throw new ValidationError("INVALID_OPTION", `cannot tell the driver from ${JSON.stringify(redactUrl(url))}: expected a URL such as file:./app.db, postgres://…, redis://… or memory:`);
  }
  return (match[1] as string).toLowerCase();
}

function isModuleMissing(error: unknown, pkg: string): boolean {
  const e = error as { code?: string; message?: string };
  return (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") && String(e.message).includes(pkg);
}

async function loadDriver(url: string, options: Record<string, unknown> | undefined): Promise<Driver> {
  const scheme = schemeOf(url);
  const custom = registered.get(scheme);
  let module: DriverModule;
  if (custom) {
    module = await custom();
  } else {
    const pkg = builtin[scheme];
    if (!pkg) {
      const known = [...Object.keys(builtin), ...registered.keys()].join(", ");
      throw new ValidationError("INVALID_OPTION", `no driver for URL scheme "${scheme}:" (known: ${known}); a third-party driver can registerDriver() it`);
    }
    module = await importDriverPackage(pkg, url);
  }
  if (typeof module.openDriver !== "function") {
    throw new StowageError(`the driver package for "${scheme}:" does not export openDriver(url, options)`);
  }
  return module.openDriver(url, options);
}

/** The conditions this process resolves with: Node's own for `import`, plus `--conditions` / `-C`. */
function activeConditions(): Set<string> {
  const conditions = new Set(["node", "import", "default"]);
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const inline = /^(?:--conditions|-C)=(.+)$/.exec(arg);
    if (inline) conditions.add(inline[1] as string);
    else if ((arg === "--conditions" || arg === "-C") && args[i + 1]) conditions.add(args[++i] as string);
  }
  return conditions;
}

/** Node's rule for an `exports` entry: the first key (in order) whose condition is active. */
function exportTarget(entry: unknown, conditions: Set<string>): string | undefined {
  if (typeof entry === "string") return entry;
  if (typeof entry !== "object" || entry === null) return undefined;
  for (const [condition, target] of Object.entries(entry)) {
    if (!conditions.has(condition)) continue;
    const found = exportTarget(target, conditions);
    if (found) return found;
  }
  return undefined;
}

/**
 * Imports a driver package. Strict layouts (pnpm) do not let core see the application's
 * dependencies, so when core cannot resolve it, resolve it from the application's entry point and
 * from the working directory, as the application itself would.
 */
async function importDriverPackage(pkg: string, url: string): Promise<DriverModule> {
  let firstError: unknown;
  try {
    return (await import(pkg)) as DriverModule;
  } catch (error) {
    if (!isModuleMissing(error, pkg)) throw error;
    firstError = error;
  }
  const bases = [process.argv[1], path.join(process.cwd(), "noop.js")].filter((b): b is string => Boolean(b));
  for (const base of bases) {
    let manifestPath: string;
    try {
      manifestPath = createRequire(path.resolve(base)).resolve(`${pkg}/package.json`);
    } catch {
      continue;
    }
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: Record<string, unknown> };
    const entry = exportTarget(manifest.exports?.["."], activeConditions());
    if (entry) return (await import(pathToFileURL(path.join(path.dirname(manifestPath), entry)).href)) as DriverModule;
  }
  throw new UnsupportedError(`the URL ${redactUrl(url)} needs the ${pkg} package: install it with \`npm install ${pkg}\``, { cause: firstError });
}

let warnedNoUrl = false;

/**
 * With no URL: the first in-process driver installed, `@stowage/memory`, else an in-memory libSQL
 * database from `@stowage/libsql` (the README's install line), both with a one-time warning.
 */
const NO_URL_DEFAULTS = [
  { url: "memory:", what: "the in-memory driver (@stowage/memory)" },
  { url: ":memory:", what: "an in-memory libSQL database (@stowage/libsql, :memory:)" },
] as const;

async function openNoUrlDefault(options: StoreOptions): Promise<Driver> {
  for (const { url, what } of NO_URL_DEFAULTS) {
    let driver: Driver;
    try {
      driver = await loadDriver(url, options.driverOptions);
    } catch (error) {
      if (error instanceof UnsupportedError) continue;
      throw error;
    }
    if (!warnedNoUrl) {
      warnedNoUrl = true;
      (options.warn ?? console.warn)(`stowage: no URL given and STOWAGE_URL is not set: using ${what}. Nothing will persist when the process exits.`);
    }
    return driver;
  }
  throw new UnsupportedError(
    "no URL given and STOWAGE_URL is not set, and no in-process driver is installed for the default: pass a URL (e.g. file:./app.db with @stowage/libsql) or set STOWAGE_URL, or `npm install @stowage/memory`",
  );
}

/**
 * Opens a store over a URL, a driver instance, or — with neither and no `STOWAGE_URL` — an
 * in-process store (`@stowage/memory`, else `@stowage/libsql`'s `:memory:`), with a one-time
 * warning that nothing persists.
 */
export async function openStore(target?: string | Driver, options: StoreOptions = {}): Promise<Store> {
  let resolved: string | Driver | undefined = target;
  if (resolved === undefined || resolved === "") {
    const fromEnv = typeof process !== "undefined" ? process.env.STOWAGE_URL : undefined;
    resolved = fromEnv ? fromEnv : await openNoUrlDefault(options);
  }
  let driver: Driver;
  try {
    driver = typeof resolved === "string" ? await loadDriver(resolved, options.driverOptions) : resolved;
  } catch (error) {
    // A driver package's own slip (a raw TypeError, a client library's error) leaves as a
    // StowageError too, scrubbed like every other.
    throw toStowageError(error, `cannot open ${redactUrl(resolved as string)}`);
  }
  if (!driver || typeof driver !== "object" || !driver.kv || !driver.capabilities) {
    throw new ValidationError("INVALID_OPTION", "openStore takes a URL string or a Driver");
  }
  return createStore(driver, options);
}
