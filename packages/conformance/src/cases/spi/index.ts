// The spi/* groups: the Driver called directly, rule by rule of spi.ts.

import type { CaseDef } from "../../types.ts";
import { spiClosedCases } from "./closed.ts";
import { spiGraphCases } from "./graph.ts";
import { spiHonestyCases } from "./honesty.ts";
import { spiKvCases } from "./kv.ts";
import { spiModelCases } from "./model.ts";
import { spiNeighborCases } from "./neighbors.ts";
import { spiTtlCases } from "./ttl.ts";
import { spiValueCases } from "./values.ts";

export const spiGroups: readonly (readonly [string, readonly CaseDef[]])[] = [
  ["spi/kv", spiKvCases],
  ["spi/ttl", spiTtlCases],
  ["spi/values", spiValueCases],
  ["spi/graph", spiGraphCases],
  ["spi/neighbors", spiNeighborCases],
  ["spi/closed", spiClosedCases],
  ["spi/honesty", spiHonestyCases],
  ["spi/model", spiModelCases],
];
