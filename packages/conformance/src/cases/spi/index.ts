// The spi/* groups: the Driver called directly, rule by rule of spi.ts.

import type { CaseDef } from "../../types.ts";
import { spiClosedCases } from "./closed.ts";
import { spiGraphCases } from "./graph.ts";
import { spiGraphListCases } from "./graph-list.ts";
import { spiHonestyCases } from "./honesty.ts";
import { spiKvCases } from "./kv.ts";
import { spiKvListCases } from "./kv-list.ts";
import { spiModelGraphCase } from "./model-graph.ts";
import { spiModelKvCase } from "./model-kv.ts";
import { spiNeighborCases } from "./neighbors.ts";
import { spiTtlCases } from "./ttl.ts";
import { spiValueCases } from "./values.ts";

export const spiGroups: readonly (readonly [string, readonly CaseDef[]])[] = [
  ["spi/kv", [...spiKvCases, ...spiKvListCases]],
  ["spi/ttl", spiTtlCases],
  ["spi/values", spiValueCases],
  ["spi/graph", [...spiGraphCases, ...spiGraphListCases]],
  ["spi/neighbors", spiNeighborCases],
  ["spi/closed", spiClosedCases],
  ["spi/honesty", spiHonestyCases],
  ["spi/model", [spiModelKvCase, spiModelGraphCase]],
];
