// `stowage import FILE|-`: reads an export (.jsonl or .jsonl.gz, gzip told by its magic bytes) and
// writes it in atomic batches. A file is checked completely first (every line parsed and
// validated, the end record's count compared), so a bad line or a truncated file writes nothing.
// Standard input cannot be read twice: it is checked as it streams, and a bad line stops the
// import before its batch is written (batches before it stay written, and the summary says so).

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { type ExportRecord, importRecords, redactUrl, type Store } from "@stowage/core";
import {
  closeQuietly,
  type Command,
  type CommandContext,
  JSON_HELP,
  OUTPUT_OPTIONS,
  openCliStore,
  progressFor,
  QUIET_HELP,
  ReportedFailure,
  storeUrl,
  URL_HELP,
  URL_OPTION,
  UsageError,
} from "../command.ts";
import { count, plural, rate, seconds } from "../format.ts";
import { errorMessage } from "../output.ts";
import type { ProgressLine } from "../progress.ts";
import {
  decompressed,
  exportRecordsOf,
  numberedLines,
  type ReadSummary,
  Tally,
} from "../records.ts";

function open(ctx: CommandContext, input: string): AsyncIterable<Buffer> {
  return input === "-" ? (ctx.io.stdin as AsyncIterable<Buffer>) : createReadStream(input);
}

function read(
  ctx: CommandContext,
  input: string,
  summary: ReadSummary,
): AsyncGenerator<ExportRecord> {
  return exportRecordsOf(numberedLines(decompressed(open(ctx, input))), summary);
}

function missingEnd(summary: ReadSummary): string {
  return `the input ends at line ${summary.lastLine} without the end record that stowage export writes last: it looks truncated (--no-end-check imports such input anyway)`;
}

/**
 * Pass one over a file: every line checked, nothing written; then the file's vector collections
 * against the target's (a collection there with other dims or metric would stop the import
 * half-way). Returns the number of data records.
 */
async function precheck(
  ctx: CommandContext,
  input: string,
  endCheck: boolean,
  progress: ProgressLine,
  store: Store,
): Promise<number> {
  const summary: ReadSummary = { header: false, end: undefined, lastLine: 0 };
  let records = 0;
  const collections: { name: string; dims: number; metric: string; line: number }[] = [];
  for await (const record of read(ctx, input, summary)) {
    if (record.kind !== "header") records++;
    if (record.kind === "vcollection") {
      const { name, dims, metric } = record;
      collections.push({ name, dims, metric, line: summary.lastLine });
    }
    progress.update({ records, phase: "checking" });
  }
  if (endCheck && !summary.end) throw new Error(missingEnd(summary));
  if (collections.length > 0) {
    if (!store.capabilities.vectors)
      throw new Error(
        `line ${collections[0]?.line}: the file holds vector collections, and the ${store.driverName} driver has none to import into`,
      );
    const existing = new Map((await store.vectorCollections()).map((c) => [c.name, c]));
    for (const c of collections) {
      const there = existing.get(c.name);
      if (there && (there.dims !== c.dims || there.metric !== c.metric))
        throw new Error(
          `line ${c.line}: vector collection "${c.name}" (dims ${c.dims}, ${c.metric}) exists in the target with dims ${there.dims} and metric ${there.metric}`,
        );
    }
  }
  return records;
}

async function run(ctx: CommandContext): Promise<number> {
  const { out } = ctx;
  const url = storeUrl(ctx);
  const input = ctx.positionals[0] as string;
  const fromStdin = input === "-";
  const endCheck = ctx.values["end-check"] !== false;
  const shown = fromStdin ? "stdin" : input;
  if (!fromStdin) {
    const info = await stat(input).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`cannot read ${input}: no such file`);
  }
  const progress = progressFor(ctx, "import");
  const tally = new Tally();
  let written = 0;
  let store: Store | undefined;
  const fail = (why: string): never => {
    progress.clear();
    const what =
      written === 0
        ? "nothing was written"
        : `${plural(written, "record")} ${written === 1 ? "was" : "were"} written before it (in complete batches, each atomic); nothing after`;
    out.jsonResult({ ok: false, url: redactUrl(url), input: shown, written, error: why });
    out.error(`stowage import: ${shown}: ${why}; ${what}`);
    throw new ReportedFailure(1);
  };
  try {
    store = await openCliStore(url, out);
    await store.ping();
    if (!fromStdin) {
      progress.update({ records: 0, phase: "checking" }, true);
      try {
        progress.setTotal(await precheck(ctx, input, endCheck, progress, store));
      } catch (error) {
        return fail(errorMessage(error));
      }
    }
    const summary: ReadSummary = { header: false, end: undefined, lastLine: 0 };
    const records = (async function* () {
      for await (const record of read(ctx, input, summary)) {
        tally.add(record);
        yield record;
      }
    })();
    let result: { records: number; skippedExpired: number };
    try {
      result = await importRecords(store, records, {
        onProgress: ({ records: n }) => {
          written = n;
          progress.update({ records: n, phase: tally.phase ?? "records", name: tally.name });
        },
      });
    } catch (error) {
      return fail(errorMessage(error));
    }
    if (endCheck && !summary.end) return fail(missingEnd(summary));
    progress.clear();
    const ms = progress.elapsed();
    const imported = result.records - result.skippedExpired;
    out.jsonResult({
      ok: true,
      url: redactUrl(url),
      input: shown,
      ...tally.toJSON(),
      written: imported,
      skippedExpired: result.skippedExpired,
      seconds: Number((ms / 1000).toFixed(3)),
      recordsPerSecond: rate(tally.records, ms),
    });
    out.result(
      `imported ${plural(imported, "record")} (${tally.describe()}) ` +
        `from ${shown} into ${redactUrl(url)} in ${seconds(ms)} (${count(rate(tally.records, ms))} records/s)` +
        (result.skippedExpired > 0
          ? `; ${plural(result.skippedExpired, "entry", "entries")} already expired, skipped`
          : ""),
    );
    return 0;
  } finally {
    progress.clear();
    await closeQuietly(store);
  }
}

export const importCommand: Command = {
  summary:
    "read an export (.jsonl or .jsonl.gz, or - for stdin) into a store, every record checked",
  usage: "stowage import [--url <url>] <file>|-",
  options: { ...URL_OPTION, ...OUTPUT_OPTIONS, "end-check": { type: "boolean" } },
  optionHelp: [
    URL_HELP,
    [
      "--no-end-check",
      "accept input without the closing end record (e.g. written by your own code)",
    ],
    JSON_HELP,
    QUIET_HELP,
  ],
  positionals: { min: 1, max: 1, name: "<file>|-" },
  notes: [
    "gzip is recognised by its magic bytes, whatever the file is called.",
    "A file is checked completely before anything is written: a bad line (reported with its number),",
    "a truncated .gz or a missing end record writes nothing. Vectors are checked against their",
    "collection's dims (and finite components); a collection the target holds with other dims or",
    "metric is refused up front. Standard input is checked as it streams: the import stops at the",
    "first bad line, before writing that line's batch (batches are atomic), and says how many records",
    "were written before it. Existing keys, nodes, edges and vectors are overwritten.",
    "Example: stowage import --url postgres://… backup.jsonl.gz",
  ],
  run,
};
