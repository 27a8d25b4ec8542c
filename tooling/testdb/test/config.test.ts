import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { noDatabaseMessage } from "../src/config.ts";
import { maskUrl, SPECS, testDatabaseName } from "../src/index.ts";

describe("maskUrl", () => {
  it("hides the password and keeps everything else", () => {
    expect(maskUrl("postgres://user:s3cr%40t@db.example:5432/app?sslmode=require")).toBe(
      "postgres://user:***@db.example:5432/app?sslmode=require",
    );
    expect(maskUrl("redis://:pw@localhost:6379/0")).toBe("redis://:***@localhost:6379/0");
    expect(maskUrl("postgres://db/app?user=u&password=pw")).toBe(
      "postgres://db/app?user=u&password=***",
    );
  });
  it("leaves URLs without a password alone", () => {
    expect(maskUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
    expect(maskUrl("postgres://postgres@127.0.0.1:5432/test")).toBe(
      "postgres://postgres@127.0.0.1:5432/test",
    );
  });
  it("masks what it cannot parse as well", () => {
    expect(maskUrl("not a url://u:pw@host")).toBe("not a url://u:***@host");
  });
});

describe("noDatabaseMessage", () => {
  it("names both ways to provide a database", () => {
    const message = noDatabaseMessage(SPECS.redis, "connect ENOENT /var/run/docker.sock");
    expect(message).toContain("STOWAGE_REDIS_URL=");
    expect(message).toContain("STOWAGE_POSTGRES_URL=");
    expect(message).toContain("Docker engine");
    expect(message).toContain("ENOENT /var/run/docker.sock");
  });
});

describe("testDatabaseName", () => {
  it("is a safe, unique PostgreSQL identifier of at most 63 bytes", () => {
    const a = testDatabaseName("Redis-Driver ✓ file.test.ts".repeat(5));
    const b = testDatabaseName("Redis-Driver ✓ file.test.ts".repeat(5));
    expect(a).toMatch(/^[a-z_][a-z0-9_]*$/);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(testDatabaseName("123")).toMatch(/^stowage_test_/);
  });
});

describe("pinned official images", () => {
  it("are the same in provide.sh as in SPECS", () => {
    const script = readFileSync(new URL("../provide.sh", import.meta.url), "utf8");
    for (const spec of Object.values(SPECS)) {
      expect(script).toContain(` ${spec.imageEnv} ${spec.defaultImage} `);
    }
  });
});
