// Runs Keyv's own adapter test suite (@keyv/test-suite) against KeyvStowage on one driver:
// the API, value and namespace suites (keyvTestSuite) and the iterator suite. Every adapter the
// suite asks for is a new KeyvStowage over the same stowage namespace, as with Keyv's own adapters.
import keyvTestSuite, { keyvIteratorTests } from "@keyv/test-suite";
import { type DriverName, openTestStore, type TestStore } from "@stowage/test-stores";
import Keyv from "keyv";
import * as test from "vitest";
import { KeyvStowage } from "../src/index.ts";

export function runKeyvSuite(driver: DriverName): void {
  let opened: TestStore | undefined;
  test.beforeAll(async () => {
    opened = await openTestStore(driver, "keyv");
  });
  test.afterAll(() => opened?.cleanup());
  const store = () => {
    if (!opened) throw new Error("the store is not open yet");
    return new KeyvStowage(opened.store, "cache");
  };
  test.describe(`@keyv/test-suite on ${driver}`, () => {
    keyvTestSuite(test, Keyv, store);
    keyvIteratorTests(test, Keyv, store);
  });
}
