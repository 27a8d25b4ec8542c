// Every case of the kit, by group, in the order they run.

import type { CaseDef, ConformanceCase } from "../types.ts";
import { errorCases } from "./errors.ts";
import { graphBasic } from "./graph-basic.ts";
import { graphList } from "./graph-list.ts";
import { graphNativePaths } from "./graph-native-paths.ts";
import { graphNeighbors } from "./graph-neighbors.ts";
import { graphPaths } from "./graph-paths.ts";
import { graphTraverse } from "./graph-traverse.ts";
import { kvBasic } from "./kv-basic.ts";
import { kvBatch } from "./kv-batch.ts";
import { kvCas } from "./kv-cas.ts";
import { kvConcurrency } from "./kv-concurrency.ts";
import { kvKeys } from "./kv-keys.ts";
import { kvList } from "./kv-list.ts";
import { kvTtl } from "./kv-ttl.ts";
import { kvValues } from "./kv-values.ts";
import { lifecycleCases } from "./lifecycle.ts";
import { modelCases } from "./model.ts";
import { multiInstance } from "./multi-instance.ts";
import { spiGroups } from "./spi/index.ts";
import { storeCases } from "./store.ts";
import { transferCases } from "./transfer.ts";
import { vectorCases } from "./vector.ts";

const byGroup: readonly (readonly [string, readonly CaseDef[]])[] = [
  ["kv/basic", kvBasic],
  ["kv/values", kvValues],
  ["kv/keys", kvKeys],
  ["kv/list", kvList],
  ["kv/ttl", kvTtl],
  ["kv/cas", kvCas],
  ["kv/batch", kvBatch],
  ["kv/concurrency", kvConcurrency],
  ["graph/basic", graphBasic],
  ["graph/neighbors", graphNeighbors],
  ["graph/traverse", graphTraverse],
  ["graph/paths", [...graphPaths, ...graphNativePaths]],
  ["graph/list", graphList],
  ["store", storeCases],
  ["lifecycle", lifecycleCases],
  ["errors", errorCases],
  ["multi-instance", multiInstance],
  ["transfer", transferCases],
  ["vector", vectorCases],
  ["model", modelCases],
  ...spiGroups,
];

/** The group names, in run order. Filter with a name or a prefix ("kv" = every kv/* group). */
export const conformanceGroups: readonly string[] = Object.freeze(byGroup.map(([g]) => g));

/** Every case of the kit. */
export const allCases: readonly ConformanceCase[] = Object.freeze(
  byGroup.flatMap(([group, defs]) => defs.map((d) => Object.freeze({ ...d, group, fullId: `${group}/${d.id}` }))),
);

const seen = new Set<string>();
for (const c of allCases) {
  if (seen.has(c.fullId)) throw new Error(`conformance kit: duplicate case id ${c.fullId}`);
  seen.add(c.fullId);
}
