// `stowage check`: connect, ping, read the schema, report driver, capabilities and latency.
// Exit 0 when healthy, 1 with one line why otherwise: suitable as a container health check.

import {
  type DriverCapabilities,
  isStowageError,
  type PingResult,
  type PoolState,
  redactUrl,
  UnavailableError,
} from "@stowage/core";
import {
  closeQuietly,
  type Command,
  type CommandContext,
  JSON_HELP,
  OUTPUT_OPTIONS,
  openCliStore,
  QUIET_HELP,
  ReportedFailure,
  storeUrl,
  stringOption,
  URL_HELP,
  URL_OPTION,
  UsageError,
  within,
} from "../command.ts";
import { errorMessage } from "../output.ts";

const PINGS = 3;

function capabilityList(c: DriverCapabilities): string[] {
  const flags = (Object.keys(c) as (keyof DriverCapabilities)[]).filter(
    (k) => c[k] === true && k !== "kv",
  );
  return ["kv", ...flags];
}

/** What vector search this driver offers (capabilities `vectors` and `approximateVectors`). */
function vectorLine(c: DriverCapabilities): string {
  if (!c.vectors) return "no (vectors: false)";
  return c.approximateVectors
    ? "yes: exact search and an approximate index (vectors: true, approximateVectors: true)"
    : "yes: exact search only (vectors: true, approximateVectors: false)";
}

/** No answer, or an availability error: "unreachable"; any other stowage error is about the schema. */
function isUnavailable(error: unknown): boolean {
  return error instanceof UnavailableError || !isStowageError(error);
}

function poolLine(pool: PoolState): string {
  return Object.entries(pool)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

function timeoutMs(ctx: CommandContext): number {
  const raw = stringOption(ctx.values, "timeout") ?? "5000";
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1)
    throw new UsageError(`--timeout must be a positive number of milliseconds, got "${raw}"`);
  return ms;
}

async function run(ctx: CommandContext): Promise<number> {
  const { out } = ctx;
  const url = storeUrl(ctx);
  const shown = redactUrl(url);
  const limit = timeoutMs(ctx);
  const fail = (why: string): never => {
    out.jsonResult({ ok: false, url: shown, error: why });
    out.error(`stowage check: ${shown}: ${why}`);
    throw new ReportedFailure(1);
  };
  let store: Awaited<ReturnType<typeof openCliStore>> | undefined;
  try {
    try {
      store = await openCliStore(url, out, true);
    } catch (error) {
      return fail(errorMessage(error));
    }
    const opened = store;
    // The first real read creates or checks the schema: a schema newer than this version fails here.
    try {
      await within(
        limit,
        `no answer within ${limit} ms`,
        Promise.all([opened.namespaces(), opened.graphs()]),
      );
    } catch (error) {
      return fail(`${isUnavailable(error) ? "unreachable" : "schema"}: ${errorMessage(error)}`);
    }
    const pings: PingResult[] = [];
    try {
      for (let i = 0; i < PINGS; i++) {
        pings.push(await within(limit, `no answer within ${limit} ms`, opened.ping()));
      }
    } catch (error) {
      return fail(`unreachable: ${errorMessage(error)}`);
    }
    const latencyMs = Math.min(...pings.map((p) => p.latencyMs));
    const last = pings[pings.length - 1] as PingResult;
    const capabilities = capabilityList(opened.capabilities);
    out.jsonResult({
      ok: true,
      url: shown,
      driver: opened.driverName,
      capabilities: opened.capabilities,
      schemaVersion: last.schemaVersion ?? null,
      latencyMs: Number(latencyMs.toFixed(3)),
      circuit: last.circuit,
      ...(last.pool ? { pool: last.pool } : {}),
    });
    out.result(`ok ${shown}`);
    out.result(`  driver        ${opened.driverName}`);
    out.result(
      `  capabilities  ${capabilities.join(" ")} (values up to ${opened.capabilities.maxValueBytes} bytes)`,
    );
    out.result(`  vectors       ${vectorLine(opened.capabilities)}`);
    out.result(
      last.schemaVersion === undefined
        ? "  schema        none to version (this driver keeps no versioned schema)"
        : `  schema        version ${last.schemaVersion} (understood by this version)`,
    );
    out.result(`  latency       ${latencyMs.toFixed(2)} ms (best of ${PINGS} pings)`);
    out.result(`  circuit       ${last.circuit}`);
    if (last.pool) out.result(`  pool          ${poolLine(last.pool)}`);
    return 0;
  } finally {
    await closeQuietly(store);
  }
}

export const check: Command = {
  summary:
    "connect, ping and read the schema; report driver, capabilities and latency (exit 1 when unhealthy)",
  usage: "stowage check [--url <url>] [--timeout <ms>] [--json]",
  options: { ...URL_OPTION, ...OUTPUT_OPTIONS, timeout: { type: "string" } },
  optionHelp: [
    URL_HELP,
    ["--timeout <ms>", "fail when the store does not answer within this time (default 5000)"],
    JSON_HELP,
    QUIET_HELP,
  ],
  notes: [
    "Exit code 0: reachable, and its schema is one this version understands. Exit code 1: one line on",
    "stderr says why (unreachable, refused credentials, a schema newer than this version, a bad URL).",
    'As a container health check: HEALTHCHECK CMD stowage check --quiet --url "$STOWAGE_URL"',
  ],
  run,
};
