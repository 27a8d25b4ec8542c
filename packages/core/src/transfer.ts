// Export, import and migrate: every live KV entry, node and edge as records that keep values
// encoded (so nothing is lost in transit), streamed page by page with progress.

import { decodeProps, decodeValue } from "./codec.ts";
import { toStowageError, ValidationError } from "./errors.ts";
import type { Store } from "./types.ts";
import { storeInternals } from "./store.ts";
import { vectorsOf, vectorRecords, type VectorExportRecord, VectorImporter } from "./transfer-vectors.ts";
import { checkSpec } from "./vector-store.ts";
import { checkKey, checkName, describe } from "./validate.ts";

export const EXPORT_FORMAT = "stowage-export";
/** 2 added the `vcollection` and `vector` kinds; files of version 1 still import. */
export const EXPORT_VERSION = 2;

export type ExportRecord =
  | { readonly kind: "header"; readonly format: typeof EXPORT_FORMAT; readonly version: number; readonly driver: string }
  | { readonly kind: "kv"; readonly ns: string; readonly key: string; readonly value: string; readonly expiresAt: number | null }
  | { readonly kind: "node"; readonly graph: string; readonly id: string; readonly type: string | null; readonly props: string }
  | { readonly kind: "edge"; readonly graph: string; readonly from: string; readonly type: string; readonly to: string; readonly props: string }
  | VectorExportRecord;

/**
 * The last line of a file written by `stowage export`: how many data records (kv, node, edge,
 * vcollection, vector: every line but the header) came before it, so a reader can tell a complete file from a truncated one. `exportRecords`
 * does not yield it; `importRecords` accepts and skips it.
 */
export interface ExportEnd {
  readonly kind: "end";
  readonly records: number;
}

export interface ExportOptions {
  /** Only these namespaces (default: all). */
  readonly namespaces?: readonly string[];
  /** Only these graphs (default: all). */
  readonly graphs?: readonly string[];
  /** Only these vector collections (default: all, or none when `namespaces` or `graphs` is given). */
  readonly vectors?: readonly string[];
  /** Records fetched per round trip (default 1000). */
  readonly pageSize?: number;
}

export interface Progress {
  readonly records: number;
  readonly phase: "kv" | "nodes" | "edges" | "vectors";
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
  const graphs = g ? (options.graphs?.map((n) => checkName(n, "graph name")) ?? (await g.graphs())) : [];
  for (const graph of graphs) {
    if (!g) break;
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
  const v = vectorsOf(driver);
  const selective = options.namespaces !== undefined || options.graphs !== undefined;
  if (v && (options.vectors !== undefined || !selective)) yield* vectorRecords(v, options.vectors, limit);
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
  records: AsyncIterable<ExportRecord | ExportEnd> | Iterable<ExportRecord | ExportEnd>,
  options: ImportOptions = {},
): Promise<{ records: number; skippedExpired: number }> {
  const { driver, now, maxBytes } = storeInternals(store);
  const batchSize = options.batchSize ?? 500;
  let count = 0;
  let skippedExpired = 0;
  let index = 0;
  let pending: { kind: "kv" | "node" | "edge"; name: string; items: ExportRecord[] } | undefined;
  const vectors = new VectorImporter(driver, maxBytes);

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

  for await (const record of records as AsyncIterable<ExportRecord | ExportEnd>) {
    index++;
    if (record.kind === "end") continue;
    if (record.kind === "header") {
      if (record.format !== EXPORT_FORMAT || record.version > EXPORT_VERSION) throw badRecord(index, "not a stowage export this version can read");
      continue;
    }
    if (record.kind === "vcollection" || record.kind === "vector") {
      await flush();
      const written = await vectors.add(record, index, batchSize);
      if (written > 0) {
        count += written;
        options.onProgress?.({ records: count });
      }
      continue;
    }
    if (vectors.pending > 0) {
      const written = await vectors.flush();
      count += written;
      options.onProgress?.({ records: count });
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
  count += await vectors.flush();
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

/** Parses and checks one JSON line of an export; a bad line throws `ValidationError` naming it. */
export function parseRecord(line: string, lineNumber = 0): ExportRecord {
  const record = parseLine(line, lineNumber);
  if (record.kind === "end")
    throw lineError(lineNumber, "an end record where a data record was expected");
  return record;
}

/**
 * Parses one line of an export file (data records, the header, or the closing `end` record) and
 * checks its shape: names, keys, ids, that values and props decode, that expiry is an epoch-ms
 * integer or null. Fields this version does not know are ignored; kinds it does not know, and a
 * header of a newer format version, are refused.
 */
export function parseLine(line: string, lineNumber = 0): ExportRecord | ExportEnd {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw lineError(lineNumber, `not valid JSON: ${describe(line)}`);
  }
  try {
    return checkRecord(value);
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(error.reason, `line ${lineNumber}: ${error.message}`);
    throw error;
  }
}

const KINDS = "header, kv, node, edge, vcollection, vector, end";

function lineError(lineNumber: number, why: string): ValidationError {
  return new ValidationError("INVALID_VALUE", `line ${lineNumber}: ${why}`);
}

function invalid(why: string): ValidationError {
  return new ValidationError("INVALID_VALUE", why);
}

function checkRecord(value: unknown): ExportRecord | ExportEnd {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw invalid("not an export record (expected a JSON object)");
  const r = value as Record<string, unknown>;
  switch (r.kind) {
    case "header": {
      if (r.format !== EXPORT_FORMAT)
        throw invalid(
          `not a stowage export (format ${describe(r.format ?? null)}, expected "${EXPORT_FORMAT}")`,
        );
      if (typeof r.version !== "number" || !Number.isInteger(r.version) || r.version < 1)
        throw invalid(`export version ${describe(r.version ?? null)} is not valid`);
      if (r.version > EXPORT_VERSION) {
        throw invalid(
          `export format version ${r.version} is newer than this stowage reads (${EXPORT_VERSION}): upgrade stowage`,
        );
      }
      return {
        kind: "header",
        format: EXPORT_FORMAT,
        version: r.version,
        driver: typeof r.driver === "string" ? r.driver : "unknown",
      };
    }
    case "kv": {
      const ns = checkName(r.ns, "namespace");
      const key = checkKey(r.key);
      if (typeof r.value !== "string")
        throw invalid(`value of key ${describe(key)} must be an encoded string`);
      decodes(() => decodeValue(r.value as string), `value of key ${describe(key)}`);
      const expiresAt = r.expiresAt ?? null;
      if (
        expiresAt !== null &&
        (typeof expiresAt !== "number" || !Number.isSafeInteger(expiresAt) || expiresAt < 0)
      ) {
        throw invalid(`expiresAt of key ${describe(key)} must be epoch milliseconds or null`);
      }
      return { kind: "kv", ns, key, value: r.value, expiresAt };
    }
    case "node": {
      const graph = checkName(r.graph, "graph name");
      const id = checkKey(r.id, "node id");
      const type = r.type ?? null;
      if (type !== null) checkKey(type, "node type");
      return { kind: "node", graph, id, type: type as string | null, props: checkProps(r.props) };
    }
    case "edge": {
      const graph = checkName(r.graph, "graph name");
      const from = checkKey(r.from, "edge from");
      const type = checkKey(r.type, "edge type");
      const to = checkKey(r.to, "edge to");
      return { kind: "edge", graph, from, type, to, props: checkProps(r.props) };
    }
    case "vcollection": {
      const spec = checkSpec(r.name, r);
      return { kind: "vcollection", name: spec.name, dims: spec.dims, metric: spec.metric };
    }
    case "vector": {
      const collection = checkName(r.collection, "vector collection name");
      const id = checkKey(r.id, "vector id");
      if (typeof r.vector !== "string") throw invalid(`vector ${describe(id)} must be base64 float32 bytes`);
      if (typeof r.metadata !== "string") throw invalid(`metadata of vector ${describe(id)} must be an encoded JSON object string`);
      return { kind: "vector", collection, id, vector: r.vector, metadata: checkProps(r.metadata) };
    }
    case "end": {
      if (typeof r.records !== "number" || !Number.isSafeInteger(r.records) || r.records < 0)
        throw invalid("end record without a record count");
      return { kind: "end", records: r.records };
    }
    default:
      throw invalid(
        `unknown record kind ${describe(r.kind ?? null)} (this stowage reads ${KINDS})`,
      );
  }
}

function checkProps(props: unknown): string {
  if (props === undefined) return "{}";
  if (typeof props !== "string") throw invalid("props must be an encoded JSON object string");
  decodes(() => decodeProps(props), "props");
  return props;
}

/** A value in an import file that does not decode is bad input (a ValidationError), not a corrupt store. */
function decodes(decode: () => unknown, what: string): void {
  try {
    decode();
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).replace(/^stored value is not valid stowage encoding: /, "");
    throw invalid(`${what} is not valid stowage encoding: ${detail}`);
  }
}
