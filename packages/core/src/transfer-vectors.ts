// Export and import of vector collections: a `vcollection` record (name, dims, metric) before
// its `vector` records, whose components travel as base64 of float32 little-endian bytes, so
// every value comes back bit for bit.

import { ValidationError } from "./errors.ts";
import type { Driver, VectorCollectionSpec, VectorDriver, VectorRecord } from "./spi.ts";
import { checkSpec } from "./vector-store.ts";
import { bytesToFloat32, float32ToBytes, toFloat32, type VectorMetric } from "./vectors.ts";
import { checkKey } from "./validate.ts";

export type VectorExportRecord =
  | {
      readonly kind: "vcollection";
      readonly name: string;
      readonly dims: number;
      readonly metric: VectorMetric;
    }
  | {
      readonly kind: "vector";
      readonly collection: string;
      readonly id: string;
      readonly vector: string;
      readonly metadata: string;
    };

export function vectorsOf(driver: Driver): VectorDriver | undefined {
  return driver.capabilities.vectors ? driver.vectors : undefined;
}

/** Every collection (or those named), each as its definition then its vectors by id. */
export async function* vectorRecords(
  v: VectorDriver,
  only: readonly string[] | undefined,
  limit: number,
): AsyncGenerator<VectorExportRecord> {
  const all = await v.collections();
  const specs = only ? all.filter((c) => only.includes(c.name)) : all;
  for (const spec of specs) {
    yield { kind: "vcollection", name: spec.name, dims: spec.dims, metric: spec.metric };
    let after: string | undefined;
    for (;;) {
      const from = after;
      const page = await v.list(spec, { limit, ...(from === undefined ? {} : { after: from }) });
      for (const r of page) {
        yield {
          kind: "vector",
          collection: spec.name,
          id: r.id,
          vector: Buffer.from(float32ToBytes(r.vector)).toString("base64"),
          metadata: r.metadata,
        };
      }
      if (page.length < limit) break;
      after = page[page.length - 1]?.id;
    }
  }
}

function bad(index: number, why: string): ValidationError {
  return new ValidationError("INVALID_VALUE", `import record ${index}: ${why}`);
}

/** Canonical base64 with padding, as `vectorRecords` writes it (Buffer.from skips bad characters silently). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The components of a `vector` record, checked against its collection: base64 of exactly `dims`
 * float32 values, each finite, not all zero for cosine. A ValidationError says what is wrong.
 */
export function decodeVector(
  encoded: unknown,
  spec: VectorCollectionSpec,
  what: string,
): Float32Array {
  if (typeof encoded !== "string" || !BASE64.test(encoded))
    throw new ValidationError("INVALID_VALUE", `${what} must be base64 of float32 little-endian bytes`);
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.byteLength !== spec.dims * 4) {
    const has = bytes.byteLength % 4 === 0 ? `${bytes.byteLength / 4} dimensions` : `${bytes.byteLength} bytes (not whole float32 values)`;
    throw new ValidationError(
      "INVALID_VALUE",
      `${what} has ${has}, the collection "${spec.name}" has ${spec.dims} dimensions`,
    );
  }
  return toFloat32(bytesToFloat32(bytes), spec.dims, spec.metric, what);
}

/**
 * Checks the vector records of an export file line by line, before anything is written: every
 * `vector` after its collection's `vcollection` record and decoding to that collection's dims
 * (finite components, not all zero for cosine); a collection defined at most once. The rest of a
 * line's shape (names, ids, metric, metadata) is `parseLine`'s.
 */
export class VectorRecordChecker {
  readonly #specs = new Map<string, VectorCollectionSpec>();

  check(record: VectorExportRecord, lineNumber: number): void {
    try {
      this.#check(record);
    } catch (error) {
      if (error instanceof ValidationError)
        throw new ValidationError(error.reason, `line ${lineNumber}: ${error.message}`);
      throw error;
    }
  }

  #check(record: VectorExportRecord): void {
    if (record.kind === "vcollection") {
      const spec = checkSpec(record.name, record);
      const before = this.#specs.get(spec.name);
      if (before && (before.dims !== spec.dims || before.metric !== spec.metric)) {
        throw new ValidationError(
          "INVALID_VALUE",
          `vector collection "${spec.name}" is defined again with dims ${spec.dims} and metric ${spec.metric} (before: dims ${before.dims}, metric ${before.metric})`,
        );
      }
      this.#specs.set(spec.name, spec);
      return;
    }
    const spec = this.#specs.get(record.collection);
    if (!spec) {
      throw new ValidationError(
        "INVALID_VALUE",
        `vector ${JSON.stringify(record.id)} of collection "${record.collection}" comes before that collection's vcollection record`,
      );
    }
    decodeVector(record.vector, spec, `vector ${JSON.stringify(record.id)} of collection "${spec.name}"`);
  }
}

/** Collects vector records into batches per collection and writes them (each batch atomic). */
export class VectorImporter {
  readonly #driver: Driver;
  readonly #maxBytes: number;
  readonly #specs = new Map<string, VectorCollectionSpec>();
  #batch: { spec: VectorCollectionSpec; records: VectorRecord[] } | undefined;

  constructor(driver: Driver, maxBytes: number) {
    this.#driver = driver;
    this.#maxBytes = maxBytes;
  }

  get pending(): number {
    return this.#batch?.records.length ?? 0;
  }

  #vectors(index: number): VectorDriver {
    const v = vectorsOf(this.#driver);
    if (!v)
      throw bad(index, `the ${this.#driver.name} driver has no vector collections to import into`);
    return v;
  }

  /** Takes one record; returns how many records were written by the batch it completed (or 0). */
  async add(record: VectorExportRecord, index: number, batchSize: number): Promise<number> {
    const v = this.#vectors(index);
    if (record.kind === "vcollection") {
      const written = await this.flush();
      const spec = checkSpec(record.name, record);
      const stored = await v.ensure(spec);
      if (stored.dims !== spec.dims || stored.metric !== spec.metric) {
        throw bad(
          index,
          `vector collection "${spec.name}" exists with dims ${stored.dims} and metric ${stored.metric}`,
        );
      }
      this.#specs.set(spec.name, spec);
      return written + 1;
    }
    const spec = this.#specs.get(record.collection);
    if (!spec)
      throw bad(
        index,
        `vector of collection ${JSON.stringify(record.collection)} before its vcollection record`,
      );
    const id = checkKey(record.id, "vector id");
    let vector: Float32Array;
    try {
      vector = decodeVector(record.vector, spec, `vector ${JSON.stringify(id)}`);
    } catch (error) {
      if (error instanceof ValidationError) throw bad(index, error.message);
      throw error;
    }
    if (
      typeof record.metadata !== "string" ||
      Buffer.byteLength(record.metadata) > this.#maxBytes ||
      !record.metadata.startsWith("{")
    ) {
      throw bad(index, "metadata missing, not an object or too large");
    }
    let written = 0;
    if (
      this.#batch &&
      (this.#batch.spec !== spec ||
        this.#batch.records.length >= batchSize ||
        this.#batch.records.some((r) => r.id === id))
    ) {
      written = await this.flush();
    }
    this.#batch ??= { spec, records: [] };
    this.#batch.records.push({ id, vector, metadata: record.metadata });
    return written;
  }

  async flush(): Promise<number> {
    const batch = this.#batch;
    this.#batch = undefined;
    if (!batch || batch.records.length === 0) return 0;
    await this.#vectors(0).upsert(batch.spec, batch.records);
    return batch.records.length;
  }
}
