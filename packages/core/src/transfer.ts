// Export, import and migrate: every live KV entry, node and edge as records that keep values
// encoded (so nothing is lost in transit), streamed page by page with progress.

import { toStowageError, ValidationError } from "./errors.ts";
import type { Store } from "./types.ts";
import { storeInternals } from "./store.ts";
import { checkKey, checkName } from "./validate.ts";

export const EXPORT_FORMAT = "stowage-export";
export const EXPORT_VERSION = 1;

export type ExportRecord =
  | { readonly kind: "header"; readonly format: typeof EXPORT_FORMAT; readonly version: number; readonly driver: string }
  | { readonly kind: "kv"; readonly ns: string; readonly key: string; readonly value: string; readonly expiresAt: number | null }
  | { readonly kind: "node"; readonly graph: string; readonly id: string; readonly type: string | null; readonly props: string }
  | { readonly kind: "edge"; readonly graph: string; readonly from: string; readonly type: string; readonly to: string; readonly props: string };

export interface ExportOptions {
  /** Only these namespaces (default: all). */
  readonly namespaces?: readonly string[];
  /** Only these graphs (default: all). */
  readonly graphs?: readonly string[];
  /** Records fetched per round trip (default 1000). */
  readonly pageSize?: number;
}

export interface Progress {
  readonly records: number;
  readonly phase: "kv" | "nodes" | "edges";
  readonly name: string;
}

/** Streams every record of the store, header first. */
export async function* exportRecords(store: Store, options: ExportOptions = {}): AsyncGenerator<ExportRecord> {
  const { driver } = storeInternals(store);
  try {
    yield* readRecords(store, options);
  } catch (error) {
    throw toStowageError(error, `${driver.name} driver failed to export`);
  }
}

async function* readRecords(store: Store, options: ExportOptions): AsyncGenerator<ExportRecord> {
  const { driver, now } = storeInternals(store);
  const limit = options.pageSize ?? 1000;
  yield { kind: "header", format: EXPORT_FORMAT, version: EXPORT_VERSION, driver: driver.name };
  const namespaces = options.namespaces?.map((n) => checkName(n, "namespace")) ?? (await driver.kv.namespaces(now()));
  for (const ns of namespaces) {
    let after: string | undefined;
    for (;;) {
      const from = after;
      const page = await driver.kv.list(ns, { prefix: "", limit, withValues: true, ...(from === undefined ? {} : { after: from }) }, now());
      for (const item of page) {
        if (item.entry) yield { kind: "kv", ns, key: item.key, value: item.entry.value, expiresAt: item.entry.expiresAt };
      }
      if (page.length < limit) break;
      after = page[page.length - 1]?.key;
    }
  }
  const g = driver.graph;
  if (!g) return;
  const graphs = options.graphs?.map((n) => checkName(n, "graph name")) ?? (await g.graphs());
  for (const graph of graphs) {
    let afterNode: string | undefined;
    for (;;) {
      const from = afterNode;
      const page = await g.listNodes(graph, { limit, ...(from === undefined ? {} : { after: from }) });
      for (const n of page) yield { kind: "node", graph, id: n.id, type: n.type, props: n.props };
      if (page.length < limit) break;
      afterNode = page[page.length - 1]?.id;
    }
    let afterEdge: { from: string; type: string; to: string } | undefined;
    for (;;) {
      const from = afterEdge;
      const page = await g.listEdges(graph, { limit, ...(from === undefined ? {} : { after: from }) });
      for (const e of page) yield { kind: "edge", graph, from: e.from, type: e.type, to: e.to, props: e.props };
      if (page.length < limit) break;
      const last = page[page.length - 1];
      afterEdge = last && { from: last.from, type: last.type, to: last.to };
    }
  }
}

export interface ImportOptions {
  /** Records written per batch (default 500). */
  readonly batchSize?: number;
  /** Called after every batch. */
  readonly onProgress?: (progress: { readonly records: number }) => void;
}

function badRecord(index: number, why: string): ValidationError {
  return new ValidationError("INVALID_VALUE", `import record ${index}: ${why}`);
}

/**
 * Writes records into a store, batch by batch (each batch atomic). Entries already expired are
 * skipped. Versions are not carried over: an imported key gets version 1, or its current version
 * + 1 when it already exists in the target. Existing keys, nodes and edges are overwritten.
 */
export async function importRecords(
  store: Store,
  records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>,
  options: ImportOptions = {},
): Promise<{ records: number; skippedExpired: number }> {
  const { driver, now, maxBytes } = storeInternals(store);
  const batchSize = options.batchSize ?? 500;
  let count = 0;
  let skippedExpired = 0;
  let index = 0;
  let pending: { kind: "kv" | "node" | "edge"; name: string; items: ExportRecord[] } | undefined;

  const flush = async () => {
    try {
      await write();
    } catch (error) {
      throw toStowageError(error, `${driver.name} driver failed to import`);
    }
  };
  const write = async () => {
    if (!pending || pending.items.length === 0) return;
    const { kind, name, items } = pending;
    pending = undefined;
    if (kind === "kv") {
      const t = now();
      const writes = items
        .map((r) => r as Extract<ExportRecord, { kind: "kv" }>)
        .filter((r) => r.expiresAt === null || r.expiresAt > t)
        .map((r) => ({ key: r.key, value: r.value, expiresAt: r.expiresAt }));
      skippedExpired += items.length - writes.length;
      if (writes.length > 0) await driver.kv.setMany(name, writes, t);
    } else if (kind === "node") {
      const g = requireGraph();
      await g.upsertNodes(name, items.map((r) => {
        const n = r as Extract<ExportRecord, { kind: "node" }>;
        return { id: n.id, type: n.type, props: n.props };
      }), "replace");
    } else {
      const g = requireGraph();
      await g.upsertEdges(name, items.map((r) => {
        const e = r as Extract<ExportRecord, { kind: "edge" }>;
        return { from: e.from, type: e.type, to: e.to, props: e.props };
      }), "replace");
    }
    count += items.length;
    options.onProgress?.({ records: count });
  };
  const requireGraph = () => {
    if (!driver.graph) throw new ValidationError("INVALID_OPTION", `the ${driver.name} driver has no graphs to import into`);
    return driver.graph;
  };

  for await (const record of records as AsyncIterable<ExportRecord>) {
    index++;
    if (record.kind === "header") {
      if (record.format !== EXPORT_FORMAT || record.version > EXPORT_VERSION) throw badRecord(index, "not a stowage export this version can read");
      continue;
    }
    let name: string;
    let key: string;
    if (record.kind === "kv") {
      name = checkName(record.ns, "namespace");
      key = `${name}`;
      checkKey(record.key);
      if (typeof record.value !== "string" || Buffer.byteLength(record.value) > maxBytes) throw badRecord(index, "value missing or too large");
    } else if (record.kind === "node") {
      name = checkName(record.graph, "graph name");
      key = name;
      checkKey(record.id, "node id");
    } else if (record.kind === "edge") {
      name = checkName(record.graph, "graph name");
      key = name;
      checkKey(record.from, "edge from");
      checkKey(record.type, "edge type");
      checkKey(record.to, "edge to");
    } else {
      throw badRecord(index, `unknown kind ${JSON.stringify((record as { kind?: unknown }).kind)}`);
    }
    if (!pending || pending.kind !== record.kind || pending.name !== key || pending.items.length >= batchSize) {
      await flush();
      pending = { kind: record.kind, name: key, items: [] };
    }
    pending.items.push(record);
  }
  await flush();
  return { records: count, skippedExpired };
}

/** Copies every record from one store to another (e.g. memory → PostgreSQL). */
export function migrate(
  from: Store,
  to: Store,
  options: ExportOptions & ImportOptions = {},
): Promise<{ records: number; skippedExpired: number }> {
  return importRecords(to, exportRecords(from, options), options);
}

/** One JSON line per record. */
export function formatRecord(record: ExportRecord): string {
  return JSON.stringify(record);
}

export function parseRecord(line: string, lineNumber = 0): ExportRecord {
  try {
    return JSON.parse(line) as ExportRecord;
  } catch {
    throw badRecord(lineNumber, "not valid JSON");
  }
}
