import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { ValidationError, checkKey, checkName, compareUtf8, redactSecrets } from "../src/index.ts";

describe("compareUtf8", () => {
  it("orders like the UTF-8 bytes (memcmp), not like JS string comparison", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        const bytes = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(Math.sign(compareUtf8(a, b))).toBe(bytes);
      }),
      { numRuns: 2000 },
    );
    expect(compareUtf8("\uFFFD", "😀")).toBeLessThan(0);
    expect("\uFFFD" < "😀").toBe(false); // the trap compareUtf8 avoids
  });
});

describe("keys and names", () => {
  it("accepts any well-formed key up to 1024 UTF-8 bytes", () => {
    for (const k of [":", "{a}", "*", "%", "_", "'", "\\", "a b\nc", "😀", "é".repeat(512)]) expect(checkKey(k)).toBe(k);
  });

  it.each([
    ["empty", ""],
    ["U+0000", "a\u0000b"],
    ["a lone surrogate", "\ud800"],
    ["1025 bytes", "x".repeat(1025)],
    ["513 two-byte chars", "é".repeat(513)],
    ["not a string", 42],
  ])("rejects a key that is %s", (_, k) => {
    expect(() => checkKey(k)).toThrow(ValidationError);
  });

  it("names use a safe alphabet", () => {
    expect(checkName("sessions.v2-a_b")).toBe("sessions.v2-a_b");
    for (const bad of ["", "-x", "a b", "a:b", "{a}", "x".repeat(129), "é"]) expect(() => checkName(bad)).toThrow(ValidationError);
  });
});

describe("redactSecrets", () => {
  it("masks URL passwords and token parameters", () => {
    expect(redactSecrets("connect postgres://app:s3cret@db:5432/x failed")).toBe("connect postgres://app:***@db:5432/x failed");
    expect(redactSecrets("libsql://db.example?authToken=abc.def")).toBe("libsql://db.example?authToken=***");
    expect(redactSecrets("redis://:pw@h:6379")).toBe("redis://:***@h:6379");
  });
});

describe("errors across copies of core", () => {
  it("instanceof recognises an error made by another copy of the classes", async () => {
    const { ValidationError: Own, StowageError: OwnBase, ConflictError } = await import("../src/index.ts");
    // A second copy of the module, as when an ESM and a CJS build of core meet in one process.
    vi.resetModules();
    const other = await import("../src/errors.ts");
    const foreign = new other.ValidationError("INVALID_KEY", "x");
    expect(other.ValidationError).not.toBe(Own);
    expect(foreign instanceof Own).toBe(true);
    expect(foreign instanceof OwnBase).toBe(true);
    expect(foreign instanceof ConflictError).toBe(false);
    expect(new Error("plain") instanceof OwnBase).toBe(false);
  });
});

describe("cursors", () => {
  it("round-trip any key and refuse foreign or tampered ones", async () => {
    const { encodeCursor, decodeCursor } = await import("../src/options.ts");
    const kv = { kind: "kv", name: "ns", filter: "" } as const;
    const edges = { kind: "edge", name: "g", filter: "" } as const;
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 50 }), (key) => {
        expect(decodeCursor(encodeCursor(kv, key), kv)).toBe(key);
        const edge = { from: key, type: "t", to: `${key}x` };
        expect(decodeCursor(encodeCursor(edges, edge), edges)).toEqual(edge);
      }),
    );
    const node = { kind: "node", name: "ns", filter: "" } as const;
    expect(() => decodeCursor(encodeCursor(kv, "a"), node)).toThrow(ValidationError);
    for (const bad of ["", "k", "k!!", 42, "x" + "YQ", "k0000000YQ"]) expect(() => decodeCursor(bad, kv)).toThrow(ValidationError);
  });

  it("are bound to their namespace or graph and filter", async () => {
    const { encodeCursor, decodeCursor } = await import("../src/options.ts");
    const cursor = encodeCursor({ kind: "kv", name: "a", filter: "p/" }, "p/1");
    expect(decodeCursor(cursor, { kind: "kv", name: "a", filter: "p/" })).toBe("p/1");
    for (const other of [
      { kind: "kv", name: "b", filter: "p/" },
      { kind: "kv", name: "a", filter: "" },
      { kind: "kv", name: "a", filter: "p" },
      { kind: "node", name: "a", filter: "p/" },
    ] as const) {
      expect(() => decodeCursor(cursor, other as never)).toThrowError(expect.objectContaining({ reason: "INVALID_CURSOR" }));
    }
    const typed = encodeCursor({ kind: "node", name: "g", filter: "Person" }, "alice");
    expect(() => decodeCursor(typed, { kind: "node", name: "g", filter: "" })).toThrow(/type "Person"/);
  });

  it("detect any single-character edit", async () => {
    const { encodeCursor, decodeCursor } = await import("../src/options.ts");
    const scope = { kind: "kv", name: "ns", filter: "" } as const;
    const cursor = encodeCursor(scope, "user:0042");
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let i = 1; i < cursor.length; i++) {
      for (const c of alphabet) {
        if (c === cursor[i]) continue;
        const edited = cursor.slice(0, i) + c + cursor.slice(i + 1);
        let accepted: string | undefined;
        try {
          accepted = decodeCursor(edited, scope);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
        }
        // base64url's last character can carry unused bits: an edit there may decode identically.
        if (accepted !== undefined) expect(accepted).toBe("user:0042");
      }
    }
  });
});
