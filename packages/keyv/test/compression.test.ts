// @keyv/test-suite's compression cases (exported as `keyvCompresstionTests`, sic). They exercise
// a compression adapter on Keyv's default in-memory Map and never touch a storage adapter, so they
// run once here; compressed values through KeyvStowage on every driver are in adapter.test.ts.
import KeyvGzip from "@keyv/compress-gzip";
import { keyvCompresstionTests } from "@keyv/test-suite";
import * as test from "vitest";

// @keyv/compress-gzip's declared serialize() parameter type is narrower than keyv's
// CompressionAdapter type (value may be undefined there); at run time it takes what keyv passes.
const gzip = new KeyvGzip() as unknown as Parameters<typeof keyvCompresstionTests>[1];

test.describe("@keyv/test-suite compression cases (gzip)", () => {
  keyvCompresstionTests(test, gzip);
});
