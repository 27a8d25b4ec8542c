// The props merge is SQL (graph.ts `mergeKind` + `mergedPropsSql`); core's `mergeEncodedProps`
// is the reference. Random props, encoded by core, merged both ways: the decoded results must be
// equal, both for the path `mergeKind` picks and for the general path alone.

import { createClient } from "@libsql/client";
import { decodeProps, encodeProps, mergeEncodedProps } from "@stowage/core";
import { afterAll, describe, expect, it } from "vitest";
import { type MergeKind, mergedPropsSql, mergeKind } from "../src/graph.ts";

const client = createClient({ url: ":memory:" });
afterAll(() => client.close());

async function sqlMerge(
  old: string,
  next: string,
  kind: MergeKind = mergeKind(next),
): Promise<string> {
  const sql = `SELECT ${mergedPropsSql(kind, "?1", "?2")}`;
  const rs = await client.execute({ sql, args: [old, next] });
  return String(rs.rows[0]?.[0]);
}

/** Deterministic pseudo-random numbers (a failure reproduces). */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

// Keys that need escaping or look like paths; values that JSON functions might re-serialise badly.
const KEYS = [
  "a",
  "b",
  "a.b",
  'q"k',
  "back\\slash",
  "é",
  "😀",
  "$",
  "$t",
  "[0]",
  "new\nline",
  "\u0001",
  " ",
  "__proto__",
  "x y",
  "0",
  "12",
  "null",
  "{",
];
const STRINGS = [
  "",
  "x",
  'q"',
  "\\",
  "\n\t",
  "é😀",
  "\u0001\u001f",
  "\u2028",
  "$t",
  "null",
  "{}",
  "a\u0000b",
  "\ud800",
];
const NUMBERS = [
  0.1 + 0.2,
  2 ** 53 + 2,
  1e21,
  5e-324,
  1.7976931348623157e308,
  Number("12345678901234567890"),
  -1e-7,
  -0,
  1 / 3,
];

/** `o[key] = value`, also for "__proto__" (an own property, as JSON.parse makes it). */
function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function randomProps(random: () => number, simple: boolean): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const value = (depth: number): unknown => {
    const r = random();
    if (r < 0.15) return simple ? 7 : null;
    if (r < 0.25) return random() < 0.5;
    if (r < 0.35) return Math.floor(random() * 1e6) - 5e5;
    if (r < 0.45) return (random() - 0.5) * 10 ** Math.floor(random() * 600 - 300);
    if (r < 0.5) return pick(NUMBERS);
    if (r < 0.65) return pick(STRINGS);
    if (r < 0.68) return new Date(Math.floor(random() * 2e12));
    if (depth > 2) return 1;
    if (r < 0.8 || simple) return [value(depth + 1), value(depth + 1)];
    const o: Record<string, unknown> = {};
    for (let i = 0; i < 3; i++) define(o, pick(KEYS), value(depth + 1));
    return o;
  };
  const props: Record<string, unknown> = {};
  const n = Math.floor(random() * 5);
  for (let i = 0; i < n; i++) {
    define(props, pick(KEYS), value(0));
  }
  return props;
}

describe("props merge in SQL", () => {
  for (const simple of [false, true]) {
    it(`equals mergeEncodedProps on random props (${simple ? "no nulls or nested objects: mostly json_patch" : "nulls and nested objects"})`, async () => {
      const random = prng(simple ? 7 : 42);
      const kinds = new Set<MergeKind>();
      for (let i = 0; i < 3000; i++) {
        const old = encodeProps(randomProps(random, simple), { maxBytes: 1e6 });
        const next = encodeProps(randomProps(random, simple), { maxBytes: 1e6 });
        const expected = decodeProps(mergeEncodedProps(old, next));
        const kind = mergeKind(next);
        kinds.add(kind);
        const merged = await sqlMerge(old, next, kind);
        expect(decodeProps(merged), `${kind}(${old}, ${next}) = ${merged}`).toEqual(expected);
        if (kind !== "keep") {
          const general = await sqlMerge(old, next, "merge");
          expect(decodeProps(general), `merge(${old}, ${next}) = ${general}`).toEqual(expected);
        }
      }
      expect(kinds).toEqual(new Set(["keep", "patch", "merge"]));
    });
  }

  it("keeps nulls, replaces nested objects whole and keeps every digit", async () => {
    const cases: [unknown, unknown][] = [
      [
        { a: 1, b: { x: 1, y: 2 }, c: "keep" },
        { a: null, b: { x: 9 }, d: [1] },
      ],
      [{ n: 0.1 + 0.2, big: Number("12345678901234567890") }, { m: 1e21 }],
      [{ a: 1 }, { a: 2 }],
      [{}, { a: null }],
      [{ a: null }, {}],
    ];
    for (const [o, n] of cases) {
      const old = encodeProps(o, { maxBytes: 1e6 });
      const next = encodeProps(n, { maxBytes: 1e6 });
      expect(decodeProps(await sqlMerge(old, next))).toEqual(
        decodeProps(mergeEncodedProps(old, next)),
      );
    }
    expect(
      decodeProps(await sqlMerge('{"n":0.30000000000000004,"k":{"x":1}}', '{"k":{"y":null}}')),
    ).toEqual({
      n: 0.30000000000000004,
      k: { y: null },
    });
  });
});
