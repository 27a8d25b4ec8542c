// The shared conformance kit against the run's Redis (STOWAGE_REDIS_URL or Testcontainers).
import { runConformance } from "@stowage/conformance";
import { afterAll } from "vitest";
import { createRedisDriver } from "../src/index.ts";
import { deletePrefix, testRedisUrl, uniquePrefix } from "./db.ts";

const url = testRedisUrl();
const prefix = uniquePrefix("kit");

afterAll(() => deletePrefix(url, prefix));

runConformance({
  name: "redis",
  open: () => createRedisDriver({ url, prefix }),
  openUnreachable: () => createRedisDriver({ url: "redis://127.0.0.1:1", connectTimeoutMs: 500 }),
  // The run's server with a user it does not know: WRONGPASS, whatever its own password setup.
  openWithBadCredentials: (secret) => {
    const bad = new URL(url);
    bad.username = "stowage-kit-nobody";
    bad.password = secret;
    return createRedisDriver({ url: bad.href, prefix, connectTimeoutMs: 2_000 });
  },
});
