// spi/values: a value is opaque text. Whatever core hands the driver comes back byte for byte —
// from getMany and from list withValues — whatever JSON it happens to hold.

import type { KvDriver } from "@stowage/core";
import { DEFAULT_MAX_VALUE_BYTES } from "@stowage/core";
import { expect } from "vitest";
import type { CaseContext, CaseDef } from "../../types.ts";
import { enc, spiKv, write } from "./helpers.ts";

/** Writes each text under its own key and expects every one back unchanged from getMany and list. */
async function roundTrip(
  t: CaseContext,
  texts: readonly string[],
  what: string,
  kvIn?: { kv: KvDriver; ns: string; now: number },
): Promise<void> {
  const { kv, ns, now } = kvIn ?? spiKv(t);
  const keys = texts.map((_, i) => `v${String(i).padStart(4, "0")}`);
  await write(
    kv,
    ns,
    texts.map((value, i) => ({ key: keys[i] as string, value, expiresAt: null })),
    now,
  );
  const got = await kv.getMany(ns, keys, now);
  const listed = await kv.list(ns, { prefix: "", limit: texts.length + 1, withValues: true }, now);
  texts.forEach((text, i) => {
    const show =
      text.length > 80
        ? `${JSON.stringify(text.slice(0, 80))}… (${text.length} UTF-16 units)`
        : JSON.stringify(text);
    // Plain comparisons first: printing a 4 MB diff helps no one.
    const fromGet = got[i]?.value;
    expect(
      fromGet === text,
      `${what}: getMany must return the value text byte for byte: ${show}${fromGet === undefined ? " (missing)" : ` came back as ${JSON.stringify(fromGet.slice(0, 80))}`}`,
    ).toBe(true);
    const fromList = listed[i]?.entry?.value;
    expect(
      fromList === text,
      `${what}: list withValues must return the value text byte for byte: ${show}`,
    ).toBe(true);
  });
}

const STRINGS = [
  "  leading and trailing  ",
  "tab\tnew line\ncarriage\r\nform\f back\b",
  "\u00A0nbsp \u2003em-space \u3000ideographic \u200Bzero-width",
  "\u2028line sep \u2029para sep",
  'quotes " and \\ backslash \\" and \\u0041 literal',
  "control \u0001 \u001F \u007F \u0080 \u009F",
  "</script><!-- -->&amp;",
  "e\u0301 (NFD) vs \u00E9 (NFC)",
  "ﬁ ligature, Å (U+212B) vs Å (U+00C5)",
  "😀 astral, 𝄞 clef, 👩‍👩‍👧 family",
  "\uFEFFbyte order mark",
  "\uFFFF\uFFFE noncharacters",
  "",
];

export const spiValueCases: CaseDef[] = [
  {
    id: "key-order",
    title:
      "object keys come back in the order core wrote them (no jsonb-style or sorted re-ordering)",
    async run(t) {
      await roundTrip(
        t,
        [
          enc({ zebra: 1, b: 2, a: 3, aa: 4, A: 5, "10": 6, "2": 7 }),
          enc({ b: { d: 1, c: 2 }, a: [{ z: 0, y: 1 }] }),
          enc({ "": 1, " ": 2, z: null }),
        ],
        "key order",
      );
    },
  },
  {
    id: "duplicate-looking-keys",
    title:
      "texts with repeated or look-alike keys come back as written (no JSON object normalisation)",
    async run(t) {
      await roundTrip(
        t,
        ['{"a":1,"a":2}', '{"a":1,"A":2,"a ":3}', enc({ __proto__x: 1, constructor: 2 })],
        "repeated keys",
      );
    },
  },
  {
    id: "strings",
    title:
      "strings with whitespace, escapes, control characters and unicode come back byte for byte",
    async run(t) {
      await roundTrip(t, STRINGS.map(enc), "strings");
    },
  },
  {
    id: "unicode-distinct",
    title: "NFC and NFD spellings stay distinct values (no unicode normalisation)",
    async run(t) {
      const { kv, ns, now } = spiKv(t);
      const texts = [enc("\u00E9"), enc("e\u0301"), enc("\u212B"), enc("\u00C5"), enc("A\u030A")];
      await roundTrip(t, texts, "unicode normalisation", { kv, ns, now });
      const got = await kv.getMany(ns, ["v0000", "v0001"], now);
      expect(got[0]?.value === got[1]?.value, "é (NFC) and é (NFD) must not come back equal").toBe(
        false,
      );
    },
  },
  {
    id: "tagged",
    title:
      "core's tagged values (lone surrogates, U+0000, bigint, bytes, dates, maps) come back byte for byte",
    async run(t) {
      await roundTrip(
        t,
        [
          enc("lone \uD800 high"),
          enc("lone \uDC00 low"),
          enc("nul \u0000 inside"),
          enc(12345678901234567890n),
          enc(new Uint8Array([0, 1, 254, 255])),
          enc(new Date(86_400_000)),
          enc(new Map<unknown, unknown>([[{ k: 1 }, "v"]])),
          enc(new Set([1, "1"])),
          enc([undefined, -0, Number.NaN, Number.POSITIVE_INFINITY]),
          enc({ $t: "user data" }),
        ],
        "tagged values",
      );
    },
  },
  {
    id: "numbers",
    title: "number spellings come back as written (1e+21, 5e-324, 0.30000000000000004, -1e-7)",
    async run(t) {
      await roundTrip(
        t,
        [
          enc(1e21),
          enc(5e-324),
          enc(0.1 + 0.2),
          enc(-1e-7),
          enc(Number.MAX_SAFE_INTEGER + 2),
          enc([1.5, 100, 1e300]),
          "1.0",
          "1E2",
          "-0.0",
          "1e-0",
        ],
        "numbers",
      );
    },
  },
  {
    id: "any-json-text",
    title:
      "a value is opaque text: whitespace and spelling of any JSON text survive (no parse and re-serialise)",
    async run(t) {
      await roundTrip(
        t,
        [
          '{ "b" : 1 ,\n  "a" : [ 1 , 2 ] }',
          " 1 ",
          '"\\u00e9\\/\\t"',
          "[\n]",
          '{"nested":{"x":  true}}\n',
          '\t"tab before"',
        ],
        "JSON texts in another spelling",
      );
    },
  },
  {
    id: "long-strings",
    title: "long strings (1.5 MB of ASCII, 3-byte and 4-byte characters) come back whole",
    async run(t) {
      await roundTrip(
        t,
        [
          enc("x".repeat(1_500_000)),
          enc("€".repeat(300_000)),
          enc("😀".repeat(200_000)),
          enc("ab\n".repeat(100_000)),
        ],
        "long strings",
      );
    },
  },
  {
    id: "largest",
    title:
      "the largest allowed value (min of maxValueBytes and core's default) is stored whole at the SPI",
    async run(t) {
      const limit = Math.min(t.capabilities.maxValueBytes, DEFAULT_MAX_VALUE_BYTES);
      // A JSON string literal of exactly `limit` UTF-8 bytes, multibyte characters near the end.
      const tail = "é😀€";
      const body = "a".repeat(limit - 2 - Buffer.byteLength(tail, "utf8"));
      const text = `"${body}${tail}"`;
      expect(Buffer.byteLength(text, "utf8")).toBe(limit);
      await roundTrip(t, [text, enc("small neighbour")], `a value of exactly ${limit} bytes`);
    },
  },
  {
    id: "batch-distinct",
    title: "a batch of 200 distinct values: each comes back at its own key",
    async run(t) {
      await roundTrip(
        t,
        Array.from({ length: 200 }, (_, i) =>
          enc({ i, s: "s".repeat(i), u: String.fromCodePoint(0x1f600 + (i % 50)) }),
        ),
        "batch",
      );
    },
  },
];
