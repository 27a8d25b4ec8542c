// Export records as JSON Lines, and back. Writing: chunks of lines pulled on demand (so the
// source is read no faster than the destination takes it), closed by an `end` record with the
// record count. Reading: a byte stream (gzip detected by its magic bytes, not the file name)
// split into numbered lines and checked one by one.

import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import {
  type ExportEnd,
  type ExportRecord,
  formatRecord,
  parseLine,
  VectorRecordChecker,
} from "@stowage/core";
import { plural } from "./format.ts";

export type DataRecord = Exclude<ExportRecord, { kind: "header" }>;

type Phase = "kv" | "nodes" | "edges" | "vectors";

/**
 * Where an export or import stands: counts per kind, and the namespace, graph or vector
 * collection being moved. `records` counts every data line (a collection's definition too), as
 * the end record of an export does.
 */
export class Tally {
  kv = 0;
  nodes = 0;
  edges = 0;
  vectorCollections = 0;
  vectors = 0;
  phase: Phase | undefined;
  name: string | undefined;

  get records(): number {
    return this.kv + this.nodes + this.edges + this.vectorCollections + this.vectors;
  }

  add(record: ExportRecord): void {
    if (record.kind === "kv") {
      this.kv++;
      this.at("kv", record.ns);
    } else if (record.kind === "node") {
      this.nodes++;
      this.at("nodes", record.graph);
    } else if (record.kind === "edge") {
      this.edges++;
      this.at("edges", record.graph);
    } else if (record.kind === "vcollection") {
      this.vectorCollections++;
      this.at("vectors", record.name);
    } else if (record.kind === "vector") {
      this.vectors++;
      this.at("vectors", record.collection);
    }
  }

  private at(phase: Phase, name: string): void {
    this.phase = phase;
    this.name = name;
  }

  /** "3 keys, 13 nodes, 14 edges, 5 vectors in 1 collection": the counts of a summary line. */
  describe(): string {
    const vectors =
      this.vectorCollections > 0
        ? `${plural(this.vectors, "vector")} in ${plural(this.vectorCollections, "collection")}`
        : plural(this.vectors, "vector");
    return `${plural(this.kv, "key")}, ${plural(this.nodes, "node")}, ${plural(this.edges, "edge")}, ${vectors}`;
  }

  toJSON(): {
    records: number;
    kv: number;
    nodes: number;
    edges: number;
    vectorCollections: number;
    vectors: number;
  } {
    return {
      records: this.records,
      kv: this.kv,
      nodes: this.nodes,
      edges: this.edges,
      vectorCollections: this.vectorCollections,
      vectors: this.vectors,
    };
  }
}

const LINES_PER_CHUNK = 256;

/** JSON Lines text of the records, in chunks, followed by the `end` record. */
export async function* jsonLines(
  records: AsyncIterable<ExportRecord>,
  tally: Tally,
  onRecord: () => void,
): AsyncGenerator<string> {
  let lines: string[] = [];
  for await (const record of records) {
    tally.add(record);
    lines.push(formatRecord(record));
    if (lines.length >= LINES_PER_CHUNK) {
      onRecord();
      yield `${lines.join("\n")}\n`;
      lines = [];
    }
  }
  const end: ExportEnd = { kind: "end", records: tally.records };
  lines.push(JSON.stringify(end));
  onRecord();
  yield `${lines.join("\n")}\n`;
}

/** A readable byte stream, gunzipped when it starts with gzip's magic bytes 1f 8b. */
export async function* decompressed(
  input: AsyncIterable<Buffer>,
  onBytes?: (n: number) => void,
): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  let first = await iterator.next();
  // A first chunk of one byte cannot show the magic: wait for the second.
  while (!first.done && first.value.length < 2) {
    const more = await iterator.next();
    if (more.done) break;
    first = { done: false, value: Buffer.concat([first.value, more.value]) };
  }
  if (first.done) return;
  const rest = async function* (): AsyncGenerator<Buffer> {
    onBytes?.(first.value.length);
    yield first.value as Buffer;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      onBytes?.(next.value.length);
      yield next.value;
    }
  };
  const head = first.value as Buffer;
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip();
  const feeding = (async () => {
    try {
      for await (const chunk of rest()) {
        if (!gunzip.write(chunk))
          await new Promise<void>((resolve) => gunzip.once("drain", resolve));
      }
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    throw new Error(`not valid gzip, or truncated: ${(error as Error).message}`);
  } finally {
    gunzip.destroy();
    await feeding;
  }
}

/** Non-empty lines of UTF-8 text with their 1-based line numbers. */
export async function* numberedLines(
  bytes: AsyncIterable<Buffer>,
): AsyncGenerator<{ line: string; n: number }> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let n = 0;
  for await (const chunk of bytes) {
    const text = carry + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      n++;
      const line =
        text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl);
      start = nl + 1;
      if (line.length > 0) yield { line, n };
    }
    carry = text.slice(start);
  }
  carry += decoder.end();
  if (carry.length > 0) yield { line: carry, n: n + 1 };
}

export interface ReadSummary {
  header: boolean;
  end: ExportEnd | undefined;
  /** Line number of the last line read. */
  lastLine: number;
}

/**
 * The records of an export, checked line by line: the header first, data records, then the end
 * record, which must count exactly the data records before it and be the last line. Vector
 * records are checked against their collection's definition earlier in the file (dims, finite
 * components). Any mistake throws an Error naming the line.
 */
export async function* exportRecordsOf(
  lines: AsyncIterable<{ line: string; n: number }>,
  summary: ReadSummary,
): AsyncGenerator<ExportRecord> {
  let data = 0;
  let version = 0;
  const vectors = new VectorRecordChecker();
  for await (const { line, n } of lines) {
    summary.lastLine = n;
    if (summary.end) throw new Error(`line ${n}: data after the end record`);
    const record = parseLine(line, n);
    if (!summary.header) {
      if (record.kind !== "header") {
        throw new Error(
          `line ${n}: not a stowage export: the first line must be its header ({"kind":"header","format":"stowage-export",…})`,
        );
      }
      summary.header = true;
      version = record.version;
      yield record;
      continue;
    }
    if (record.kind === "vcollection" || record.kind === "vector") {
      if (version < 2)
        throw new Error(
          `line ${n}: a ${record.kind} record in an export of format version ${version} (vectors came with version 2)`,
        );
      vectors.check(record, n);
    }
    if (record.kind === "header") throw new Error(`line ${n}: a second header`);
    if (record.kind === "end") {
      if (record.records !== data) {
        throw new Error(
          `line ${n}: the end record counts ${record.records} records, but ${data} came before it`,
        );
      }
      summary.end = record;
      continue;
    }
    data++;
    yield record;
  }
  if (!summary.header) throw new Error("empty input: not a stowage export");
}

/** The input as bytes: a file, or stdin for "-". */
export type ByteSource = () => Readable;
