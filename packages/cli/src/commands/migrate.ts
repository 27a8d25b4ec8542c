// `stowage migrate --from U1 --to U2`: streams one store into another, page by page (export pages
// of 5000, atomic import batches of 500), so memory stays flat. Refuses a non-empty target unless
// --merge. Verifies (counts and checksums of both sides) with --verify, and by default when the
// target was empty.

import {
  type ExportRecord,
  exportRecords,
  importRecords,
  redactUrl,
  type Store,
} from "@stowage/core";
import {
  closeQuietly,
  type Command,
  type CommandContext,
  JSON_HELP,
  OUTPUT_OPTIONS,
  openCliStore,
  PAGE_SIZE,
  progressFor,
  QUIET_HELP,
  ReportedFailure,
  storeUrl,
  UsageError,
} from "../command.ts";
import { count, plural, rate, seconds } from "../format.ts";
import { inventory, isEmpty, totals } from "../inventory.ts";
import { errorMessage } from "../output.ts";
import { Tally } from "../records.ts";
import { verify } from "../verify.ts";
import { SELECTION_HELP, SELECTION_OPTIONS, selection } from "./export.ts";

async function openReachable(
  url: string,
  role: "source" | "target",
  ctx: CommandContext,
): Promise<Store> {
  let store: Store | undefined;
  try {
    store = await openCliStore(url, ctx.out, role === "source");
    await store.ping();
    return store;
  } catch (error) {
    await closeQuietly(store);
    throw new Error(`${role} ${redactUrl(url)}: ${errorMessage(error)}`);
  }
}

async function run(ctx: CommandContext): Promise<number> {
  const { out } = ctx;
  const fromUrl = storeUrl(ctx, "from");
  const toUrl = storeUrl(ctx, "to");
  if (fromUrl === toUrl) throw new UsageError("--from and --to name the same store");
  const [from, to] = [redactUrl(fromUrl), redactUrl(toUrl)];
  const select = selection(ctx);
  const progress = progressFor(ctx, "migrate");
  const tally = new Tally();
  let source: Store | undefined;
  let target: Store | undefined;
  let written = 0;
  const fail = (why: string): never => {
    progress.clear();
    out.jsonResult({ ok: false, from, to, written, error: why });
    out.error(`stowage migrate: ${why}`);
    throw new ReportedFailure(1);
  };
  try {
    try {
      source = await openReachable(fromUrl, "source", ctx);
      target = await openReachable(toUrl, "target", ctx);
    } catch (error) {
      return fail(`${errorMessage(error)}; nothing was written`);
    }
    const before = await inventory(target);
    const wasEmpty = isEmpty(before);
    if (!wasEmpty && ctx.values.merge !== true) {
      const t = totals(before);
      return fail(
        `the target ${to} is not empty (${plural(Object.keys(before.namespaces).length, "namespace")}, ${plural(Object.keys(before.graphs).length, "graph")}, ` +
          `${plural(t.vectorCollections, "vector collection")}, ${count(t.records)} records): pass --merge to write into it anyway (existing keys, nodes, edges and vectors are overwritten); nothing was written`,
      );
    }
    const shouldVerify = typeof ctx.values.verify === "boolean" ? ctx.values.verify : wasEmpty;
    if (progress.enabled) progress.setTotal(totals(await inventory(source, select)).records);
    const tracked = (async function* (): AsyncGenerator<ExportRecord> {
      for await (const record of exportRecords(source, { ...select, pageSize: PAGE_SIZE })) {
        tally.add(record);
        yield record;
      }
    })();
    let result: { records: number; skippedExpired: number };
    try {
      result = await importRecords(target, tracked, {
        onProgress: ({ records }) => {
          written = records;
          progress.update({ records, phase: tally.phase, name: tally.name });
        },
      });
    } catch (error) {
      return fail(
        `${errorMessage(error)}; ${written === 0 ? "nothing was written" : `${plural(written, "record")} were written before it, in complete atomic batches`}`,
      );
    }
    const copyMs = progress.elapsed();
    progress.clear();
    let verification: Awaited<ReturnType<typeof verify>> | undefined;
    if (shouldVerify) {
      progress.update({ records: tally.records, phase: "verifying" }, true);
      const names = {
        namespaces: select.namespaces ?? (await source.namespaces()),
        graphs: select.graphs ?? (source.capabilities.graph ? await source.graphs() : []),
        vectors:
          select.vectors ??
          (source.capabilities.vectors
            ? (await source.vectorCollections()).map((c) => c.name)
            : []),
      };
      verification = await verify(source, target, names);
      progress.clear();
    }
    const ms = progress.elapsed();
    const imported = result.records - result.skippedExpired;
    out.jsonResult({
      ok: verification?.ok ?? true,
      from,
      to,
      ...tally.toJSON(),
      written: imported,
      skippedExpired: result.skippedExpired,
      seconds: Number((copyMs / 1000).toFixed(3)),
      recordsPerSecond: rate(tally.records, copyMs),
      verified: verification ?? null,
    });
    out.result(
      `migrated ${plural(imported, "record")} (${tally.describe()}) ` +
        `from ${from} to ${to} in ${seconds(copyMs)} (${count(rate(tally.records, copyMs))} records/s)` +
        (result.skippedExpired > 0
          ? `; ${plural(result.skippedExpired, "entry", "entries")} expired in transit, skipped`
          : ""),
    );
    if (verification) {
      const scope = `${plural(verification.namespaces, "namespace")}, ${plural(verification.graphs, "graph")} and ${plural(verification.vectorCollections, "vector collection")}`;
      if (verification.ok) {
        out.result(
          `verified in ${seconds(ms - copyMs)}: ${scope} match (counts and content checksums)`,
        );
      } else {
        for (const d of verification.differences)
          out.error(
            `stowage migrate: verification failed: ${d.what} differ: source ${d.source}, target ${d.target}`,
          );
        return 1;
      }
    } else if (!shouldVerify) {
      out.result(
        `not verified (the target was not empty; pass --verify to compare the migrated namespaces, graphs and vector collections)`,
      );
    }
    return 0;
  } finally {
    progress.clear();
    await Promise.all([closeQuietly(source), closeQuietly(target)]);
  }
}

export const migrateCommand: Command = {
  summary:
    "stream one store into another, vectors included (bounded memory), then compare counts and checksums",
  usage:
    "stowage migrate --from <url> --to <url> [--namespace <ns>]… [--graph <name>]… [--vectors <collection>]… [--verify|--no-verify] [--merge]",
  options: {
    ...OUTPUT_OPTIONS,
    ...SELECTION_OPTIONS,
    from: { type: "string" },
    to: { type: "string" },
    url: { type: "string" },
    verify: { type: "boolean" },
    merge: { type: "boolean" },
  },
  optionHelp: [
    ["--from <url>", "the source store (default: --url, then $STOWAGE_URL)"],
    ["--to <url>", "the target store"],
    ...SELECTION_HELP,
    [
      "--verify",
      "compare key counts per namespace, node and edge counts per graph, dims, metric and count per vector collection, and a content checksum of both sides (vectors: ids, float32 bits, metadata); exit 1 on any difference (default when the target was empty)",
    ],
    ["--no-verify", "skip the comparison"],
    [
      "--merge",
      "write into a target that already holds data (existing keys, nodes, edges and vectors are overwritten)",
    ],
    JSON_HELP,
    QUIET_HELP,
  ],
  notes: [
    "Example: stowage migrate --from file:./dev.db --to postgres://app:secret@db/app",
    "Expired entries are not copied; versions restart at 1 in the target.",
  ],
  run,
};
