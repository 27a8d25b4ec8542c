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
    if (typeof record.vector !== "string") throw bad(index, "vector missing");
    const vector = toFloat32(
      bytesToFloat32(Buffer.from(record.vector, "base64")),
      spec.dims,
      spec.metric,
      `vector ${JSON.stringify(id)}`,
    );
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
