// migrate --verify: per-namespace key counts, per-graph node and edge counts, per-collection
// vector definitions and counts, and a content checksum per namespace, graph and vector
// collection, computed the same way on both stores. The checksum is a SHA-256 over every record
// in listing order (UTF-8 byte order on every driver), with props re-serialised with sorted keys,
// since PostgreSQL's jsonb does not keep the key order of a text. Vectors: see verify-vectors.ts.

import { createHash } from "node:crypto";
import { exportRecords, type Store } from "@stowage/core";
import { canonicalProps } from "./canonical.ts";
import { PAGE_SIZE } from "./command.ts";
import { inventory, type Inventory } from "./inventory.ts";
import { verifyVectors } from "./verify-vectors.ts";

export interface Difference {
  readonly what: string;
  readonly source: string;
  readonly target: string;
}

/** SHA-256 (hex) of one namespace's or one graph's records. */
export async function checksum(
  store: Store,
  what: { namespace: string } | { graph: string },
): Promise<string> {
  const hash = createHash("sha256");
  const selection =
    "namespace" in what
      ? { namespaces: [what.namespace], graphs: [], vectors: [] }
      : { namespaces: [], graphs: [what.graph], vectors: [] };
  for await (const r of exportRecords(store, { ...selection, pageSize: PAGE_SIZE })) {
    if (r.kind === "kv") hash.update(`${JSON.stringify([r.key, r.value, r.expiresAt])}\n`);
    else if (r.kind === "node")
      hash.update(`${JSON.stringify(["n", r.id, r.type, canonicalProps(r.props)])}\n`);
    else if (r.kind === "edge")
      hash.update(`${JSON.stringify(["e", r.from, r.type, r.to, canonicalProps(r.props)])}\n`);
  }
  return hash.digest("hex");
}

export interface Verification {
  readonly ok: boolean;
  readonly namespaces: number;
  readonly graphs: number;
  readonly vectorCollections: number;
  readonly differences: Difference[];
}

export interface VerifyNames {
  readonly namespaces: string[];
  readonly graphs: string[];
  /** Vector collections (default: none). */
  readonly vectors?: string[];
}

/** Compares the named namespaces, graphs and vector collections of two stores: counts first, then checksums. */
export async function verify(
  source: Store,
  target: Store,
  names: VerifyNames,
): Promise<Verification> {
  const vectors = names.vectors ?? [];
  const selected = { ...names, vectors };
  const [a, b]: [Inventory, Inventory] = await Promise.all([
    inventory(source, selected),
    inventory(target, selected),
  ]);
  const differences: Difference[] = [];
  for (const ns of names.namespaces) {
    const [x, y] = [a.namespaces[ns] ?? 0, b.namespaces[ns] ?? 0];
    if (x !== y)
      differences.push({
        what: `namespace ${ns}: live keys`,
        source: String(x),
        target: String(y),
      });
    else {
      const [hx, hy] = await Promise.all([
        checksum(source, { namespace: ns }),
        checksum(target, { namespace: ns }),
      ]);
      if (hx !== hy)
        differences.push({ what: `namespace ${ns}: checksum`, source: hx, target: hy });
    }
  }
  for (const g of names.graphs) {
    const [x, y] = [a.graphs[g] ?? { nodes: 0, edges: 0 }, b.graphs[g] ?? { nodes: 0, edges: 0 }];
    if (x.nodes !== y.nodes)
      differences.push({
        what: `graph ${g}: nodes`,
        source: String(x.nodes),
        target: String(y.nodes),
      });
    if (x.edges !== y.edges)
      differences.push({
        what: `graph ${g}: edges`,
        source: String(x.edges),
        target: String(y.edges),
      });
    if (x.nodes === y.nodes && x.edges === y.edges) {
      const [hx, hy] = await Promise.all([
        checksum(source, { graph: g }),
        checksum(target, { graph: g }),
      ]);
      if (hx !== hy) differences.push({ what: `graph ${g}: checksum`, source: hx, target: hy });
    }
  }
  differences.push(...(await verifyVectors(source, target, vectors, a, b)));
  return {
    ok: differences.length === 0,
    namespaces: names.namespaces.length,
    graphs: names.graphs.length,
    vectorCollections: vectors.length,
    differences,
  };
}
