// migrate --verify: per-namespace key counts, per-graph node and edge counts, and a content
// checksum per namespace and graph, computed the same way on both stores. The checksum is a
// SHA-256 over every record in listing order (UTF-8 byte order on every driver), with props
// re-serialised with sorted keys, since PostgreSQL's jsonb does not keep the key order of a text.

import { createHash } from "node:crypto";
import { exportRecords, type Store } from "@stowage/core";
import { inventory, type Inventory } from "./inventory.ts";

export interface Difference {
  readonly what: string;
  readonly source: string;
  readonly target: string;
}

function sortedJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(",")}}`;
}

function canonicalProps(props: string): string {
  return sortedJson(JSON.parse(props));
}

/** SHA-256 (hex) of one namespace's or one graph's records. */
export async function checksum(
  store: Store,
  what: { namespace: string } | { graph: string },
): Promise<string> {
  const hash = createHash("sha256");
  const selection =
    "namespace" in what
      ? { namespaces: [what.namespace], graphs: [] }
      : { namespaces: [], graphs: [what.graph] };
  for await (const r of exportRecords(store, selection)) {
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
  readonly differences: Difference[];
}

/** Compares the named namespaces and graphs of two stores: counts first, then checksums. */
export async function verify(
  source: Store,
  target: Store,
  names: { namespaces: string[]; graphs: string[] },
): Promise<Verification> {
  const [a, b]: [Inventory, Inventory] = await Promise.all([
    inventory(source, names),
    inventory(target, names),
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
  return {
    ok: differences.length === 0,
    namespaces: names.namespaces.length,
    graphs: names.graphs.length,
    differences,
  };
}
