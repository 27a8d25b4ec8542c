// The two example drivers of the README, proven by the kit through runConformance itself (the
// vitest registration path), and kept identical to the README's text.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createGraphMapDriver, type GraphStore } from "../examples/graph-driver.ts";
import { createMapDriver, type MapData } from "../examples/map-driver.ts";
import { runConformance } from "../src/index.ts";

describe("the README examples", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  for (const file of ["map-driver.ts", "graph-driver.ts"]) {
    it(`quotes examples/${file} verbatim`, () => {
      expect(readme).toContain(
        readFileSync(new URL(`../examples/${file}`, import.meta.url), "utf8").trim(),
      );
    });
  }
});

const data: MapData = new Map();
runConformance({ name: "map", open: () => createMapDriver(data) });

const kvData: MapData = new Map();
const graphs: GraphStore = new Map();
runConformance({ name: "graph-map", open: () => createGraphMapDriver(kvData, graphs) });
