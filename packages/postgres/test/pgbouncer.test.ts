// Behind PgBouncer in transaction mode (PgBouncer 1.18 keeps no prepared statements across
// transactions): with `prepare: false` every operation works, with more clients than server
// connections, including atomic batches, CAS updates and the first-use schema creation.
import { createStore } from "@stowage/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDriver } from "../src/index.ts";
import { PrivatePgBouncer, pgbouncerBin } from "./pgbouncer.ts";
import { PrivatePostgres, postgresBin } from "./private-server.ts";

const pg = postgresBin();
const bouncer = pgbouncerBin();
const reason = pg.reason ?? bouncer.reason;
let server: PrivatePostgres | undefined;
let proxy: PrivatePgBouncer | undefined;

beforeAll(async () => {
  if (reason) return;
  server = await PrivatePostgres.create(pg.dir as string);
  proxy = await PrivatePgBouncer.start(bouncer.bin as string, server.port, 2);
}, 60_000);

afterAll(() => {
  proxy?.stop();
  server?.destroy();
});

describe.skipIf(reason)(
  `PgBouncer, transaction pooling${reason ? ` — skipped: ${reason}` : ""}`,
  () => {
    it("prepare: false — KV, CAS updates and graphs through 2 server connections for 3 stores × 4", async () => {
      const stores = [0, 1, 2].map(() =>
        createStore(
          createPostgresDriver({ url: (proxy as PrivatePgBouncer).url, prepare: false, max: 4 }),
        ),
      );
      const [a, b, c] = stores as [(typeof stores)[0], (typeof stores)[0], (typeof stores)[0]];
      await Promise.all(
        stores.map((s, i) =>
          s.kv<number>("n").setMany([
            { key: `k${i}`, value: i },
            { key: "shared", value: i },
          ]),
        ),
      );
      await Promise.all(
        stores.flatMap((s) =>
          Array.from({ length: 10 }, () =>
            s.kv<number>("n").update("counter", (n) => (n ?? 0) + 1),
          ),
        ),
      );
      expect(await a.kv<number>("n").get("counter")).toBe(30);
      expect(await b.kv<number>("n").getMany(["k0", "k1", "k2"])).toEqual([0, 1, 2]);
      await c.graph("g").upsertEdges([
        { from: "a", type: "t", to: "b" },
        { from: "b", type: "t", to: "c" },
      ]);
      const reached = await a.graph("g").traverse("a", { maxDepth: 3 });
      expect(reached.nodes.map((n) => n.id)).toEqual(["a", "b", "c"]);
      expect((await b.ping()).pool?.max).toBe(4);
      await Promise.all(stores.map((s) => s.close()));
    }, 30_000);
  },
);
