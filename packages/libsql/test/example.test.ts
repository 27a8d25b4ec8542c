// The README example, on a temp file instead of ./app.db.
import { createStore, openStore } from "@stowage/core";
import { expect, it } from "vitest";
import { createLibsqlDriver } from "../src/index.ts";
import { tempDbUrl } from "./helpers.ts";

it("runs the README example", async () => {
  const { url } = tempDbUrl("app.db");
  let found: string[] = [];
  {
    await using store = await openStore(url);
    await using other = createStore(
      createLibsqlDriver({ url, pragmas: { busyTimeoutMs: 10_000 }, sweepIntervalMs: 30_000 }),
    );

    const sessions = store.kv<{ user: string; turns: number }>("sessions");
    await sessions.set("s1", { user: "ada", turns: 0 }, { ttlMs: 60_000 });
    await sessions.update("s1", (s) => ({ ...s!, turns: s!.turns + 1 }));

    const kg = store.graph("kg");
    await kg.upsertEdges([{ from: "ada", type: "wrote", to: "notes", props: { year: 1843 } }]);
    const { nodes } = await kg.traverse("ada", { maxDepth: 2, direction: "both" });
    found = nodes.map((n) => n.id);
    expect(await other.kv("sessions").get("s1")).toEqual({ user: "ada", turns: 1 });
  }
  expect(found).toEqual(["ada", "notes"]);
});
