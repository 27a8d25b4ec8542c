// migrate --verify for vector collections: the definition (dims, metric), the count, and a
// SHA-256 over every vector as (id, float32 bits, metadata) in id byte order, streamed page by
// page on both sides. The bits are the export's base64 of the little-endian float32 bytes, so
// one ulp, or -0 against 0, changes the checksum; metadata is re-serialised with sorted keys
// (PostgreSQL's jsonb does not keep a text's key order).

import { createHash } from "node:crypto";
import { compareUtf8, exportRecords, type Store } from "@stowage/core";
import { PAGE_SIZE } from "./command.ts";
import { canonicalProps } from "./canonical.ts";
import type { Inventory } from "./inventory.ts";
import type { Difference } from "./verify.ts";

/** SHA-256 (hex) of one vector collection's vectors; throws when the store lists them out of id byte order. */
export async function vectorChecksum(store: Store, collection: string): Promise<string> {
  const hash = createHash("sha256");
  let previous: string | undefined;
  const records = exportRecords(store, {
    namespaces: [],
    graphs: [],
    vectors: [collection],
    pageSize: PAGE_SIZE,
  });
  for await (const r of records) {
    if (r.kind !== "vector") continue;
    // The checksum compares two listings: both must be in the same (byte) order to agree.
    if (previous !== undefined && compareUtf8(previous, r.id) >= 0) {
      throw new Error(
        `the ${store.driverName} store lists vector collection "${collection}" out of id byte order ("${previous}" before "${r.id}")`,
      );
    }
    previous = r.id;
    hash.update(`${JSON.stringify([r.id, r.vector, canonicalProps(r.metadata)])}\n`);
  }
  return hash.digest("hex");
}

function definition(c: { dims: number; metric: string }): string {
  return `dims ${c.dims}, ${c.metric}`;
}

/** Compares the named collections of two inventories, then the checksums where everything else agrees. */
export async function verifyVectors(
  source: Store,
  target: Store,
  names: readonly string[],
  a: Inventory,
  b: Inventory,
): Promise<Difference[]> {
  const differences: Difference[] = [];
  for (const name of names) {
    const [x, y] = [a.vectors[name], b.vectors[name]];
    const what = `vector collection ${name}`;
    if (!x || !y) {
      differences.push({
        what: `${what}: presence`,
        source: x ? definition(x) : "missing",
        target: y ? definition(y) : "missing",
      });
      continue;
    }
    if (x.dims !== y.dims || x.metric !== y.metric) {
      differences.push({
        what: `${what}: dims and metric`,
        source: definition(x),
        target: definition(y),
      });
      continue;
    }
    if (x.count !== y.count) {
      differences.push({
        what: `${what}: vectors`,
        source: String(x.count),
        target: String(y.count),
      });
      continue;
    }
    const [hx, hy] = await Promise.all([
      vectorChecksum(source, name),
      vectorChecksum(target, name),
    ]);
    if (hx !== hy)
      differences.push({
        what: `${what}: checksum of ids, float32 bits and metadata`,
        source: hx,
        target: hy,
      });
  }
  return differences;
}
