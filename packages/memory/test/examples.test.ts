import { expect, it } from "vitest";
import { quickstart } from "../examples/quickstart.ts";

it("the README's quickstart runs and prints what it promises", async () => {
  const lines: string[] = [];
  await quickstart((line) => lines.push(line));
  expect(lines).toEqual([
    "session s1: 1 turn(s), version 2, seen hello",
    expect.stringMatching(/^stale write refused: version condition failed in namespace "sessions" for "s1"/),
    "from ada within 2 hops: ada@0, babbage@1, engine@1",
    "paths ada → engine: ada → engine | ada → babbage → engine",
  ]);
});
