// `stowage export`: every live record (or the selected namespaces and graphs) as JSON Lines, to a
// file (gzip when it ends in .gz or with --gzip) or stdout. Records are pulled page by page only as
// fast as the destination takes them, so memory stays flat whatever the store's size. A file is
// written under a temporary name and renamed when complete: a failed export leaves no file behind.

import { once } from "node:events";
import { createWriteStream, existsSync, rmSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { exportRecords, redactUrl } from "@stowage/core";
import {
  closeQuietly,
  type Command,
  type CommandContext,
  JSON_HELP,
  listOption,
  OUTPUT_OPTIONS,
  openCliStore,
  PAGE_SIZE,
  progressFor,
  QUIET_HELP,
  storeUrl,
  stringOption,
  URL_HELP,
  URL_OPTION,
  UsageError,
} from "../command.ts";
import { count, plural, rate, seconds } from "../format.ts";
import { inventory, totals } from "../inventory.ts";
import type { TextStream } from "../output.ts";
import { jsonLines, Tally } from "../records.ts";

export const SELECTION_OPTIONS = {
  namespace: { type: "string", multiple: true },
  graph: { type: "string", multiple: true },
  vectors: { type: "string", multiple: true },
} as const;

export const SELECTION_HELP = [
  ["--namespace <ns>", "only this namespace (repeatable; default: every namespace)"],
  ["--graph <name>", "only this graph (repeatable; default: every graph)"],
  ["--vectors <collection>", "only this vector collection (repeatable; default: every collection)"],
] as const;

export interface CliSelection {
  namespaces?: string[];
  graphs?: string[];
  vectors?: string[];
}

/**
 * --namespace / --graph / --vectors: none given selects everything; once any is given, the
 * kinds not named are left out entirely.
 */
export function selection(ctx: CommandContext): CliSelection {
  const namespaces = listOption(ctx.values, "namespace");
  const graphs = listOption(ctx.values, "graph");
  const vectors = listOption(ctx.values, "vectors");
  if (!namespaces && !graphs && !vectors) return {};
  return { namespaces: namespaces ?? [], graphs: graphs ?? [], vectors: vectors ?? [] };
}

async function toStream(chunks: AsyncIterable<string | Buffer>, dest: TextStream): Promise<void> {
  for await (const chunk of chunks) {
    if (!dest.write(chunk)) await once(dest, "drain");
  }
}

async function run(ctx: CommandContext): Promise<number> {
  const { out } = ctx;
  const url = storeUrl(ctx);
  const file = stringOption(ctx.values, "output") ?? "-";
  const toStdout = file === "-";
  const gzip = ctx.values.gzip === true || (!toStdout && file.endsWith(".gz"));
  if (!toStdout && !existsSync(path.dirname(path.resolve(file)))) {
    throw new UsageError(
      `cannot write ${file}: no such directory ${path.dirname(path.resolve(file))}`,
    );
  }
  out.resultsToStderr = toStdout;
  const progress = progressFor(ctx, "export", toStdout);
  const tally = new Tally();
  const select = selection(ctx);
  const store = await openCliStore(url, out, true);
  try {
    await store.ping();
    if (progress.enabled) progress.setTotal(totals(await inventory(store, select)).records);
    const lines = Readable.from(
      jsonLines(exportRecords(store, { ...select, pageSize: PAGE_SIZE }), tally, () =>
        progress.update({ records: tally.records, phase: tally.phase, name: tally.name }),
      ),
    );
    const sink = (source: AsyncIterable<Buffer | string>) => toStream(source, ctx.io.stdout);
    if (toStdout) {
      await (gzip ? pipeline(lines, createGzip(), sink) : pipeline(lines, sink));
    } else {
      const partial = `${file}.partial-${process.pid}`;
      // Ctrl-C leaves no partial file behind either.
      const interrupted = () => {
        rmSync(partial, { force: true });
        process.exit(130);
      };
      process.once("SIGINT", interrupted);
      process.once("SIGTERM", interrupted);
      try {
        await (gzip
          ? pipeline(lines, createGzip(), createWriteStream(partial))
          : pipeline(lines, createWriteStream(partial)));
        await rename(partial, file);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      } finally {
        process.off("SIGINT", interrupted);
        process.off("SIGTERM", interrupted);
      }
    }
    progress.clear();
    const ms = progress.elapsed();
    out.jsonResult({
      ok: true,
      url: redactUrl(url),
      file: toStdout ? "-" : file,
      gzip,
      ...tally.toJSON(),
      seconds: Number((ms / 1000).toFixed(3)),
      recordsPerSecond: rate(tally.records, ms),
    });
    out.result(
      `exported ${plural(tally.records, "record")} (${tally.describe()}) ` +
        `from ${redactUrl(url)} to ${toStdout ? "stdout" : file}${gzip ? " (gzip)" : ""} in ${seconds(ms)} (${count(rate(tally.records, ms))} records/s)`,
    );
    return 0;
  } finally {
    progress.clear();
    await closeQuietly(store);
  }
}

export const exportCommand: Command = {
  summary:
    "write every record (or the selected namespaces, graphs and vector collections) as JSON Lines, gzip for .gz",
  usage:
    "stowage export [--url <url>] [-o <file>|-] [--gzip] [--namespace <ns>]… [--graph <name>]… [--vectors <collection>]…",
  options: {
    ...URL_OPTION,
    ...OUTPUT_OPTIONS,
    ...SELECTION_OPTIONS,
    output: { type: "string", short: "o" },
    gzip: { type: "boolean" },
  },
  optionHelp: [
    URL_HELP,
    ["-o, --output <file>", "write to this file (gzip when it ends in .gz); - or none: stdout"],
    ["--gzip", "gzip the output whatever its name (also on stdout)"],
    ...SELECTION_HELP,
    JSON_HELP,
    QUIET_HELP,
  ],
  notes: [
    "The file: a header line, one JSON record per line (kv, node, edge; vcollection then its vectors,",
    "components as base64 float32 bytes, so every bit survives), an end line with the record count.",
    "Examples:",
    "  stowage export --url file:./app.db -o backup.jsonl.gz",
    "  stowage export --url postgres://… --namespace sessions | gzip > sessions.jsonl.gz",
  ],
  run,
};
