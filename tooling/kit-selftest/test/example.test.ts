// The example driver of the kit's README, proven by the kit through runConformance itself (the
// vitest registration path), and kept identical to the README's text.
import { readFileSync } from "node:fs";
import { runConformance } from "@stowage/conformance";
import { describe, expect, it } from "vitest";
import { createMapDriver, type MapData } from "./example/map-driver.ts";

describe("the README example", () => {
  it("is the driver in test/example/map-driver.ts, verbatim", () => {
    const readme = readFileSync(new URL("../../../packages/conformance/README.md", import.meta.url), "utf8");
    const source = readFileSync(new URL("./example/map-driver.ts", import.meta.url), "utf8");
    expect(readme).toContain(source.trim());
  });
});

const data: MapData = new Map();
runConformance({
  name: "map",
  open: () => createMapDriver(data),
});
