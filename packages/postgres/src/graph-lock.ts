// The graph lock that replaced the edges' foreign keys (schema version 2). Every edge write takes
// it shared, deleting nodes takes it exclusive, per (schema, graph), for its transaction.
//
// Why it is enough: an edge write creates its missing endpoints with INSERT … ON CONFLICT DO
// NOTHING after taking the lock, and ON CONFLICT looks at the latest committed rows, not at the
// statement's snapshot: a node deleted by a committed deleteNodes is created again. A deleteNodes
// waiting for the lock lets running edge writes commit first, and its cascade (the trigger in
// schema.ts) runs with a new snapshot that sees their edges. So no edge ever outlives an endpoint,
// at the price of one lock call per statement instead of a foreign-key check per edge and end
// (1.6 s of a 10k-edge load). Edge writes never wait for each other; deletes of nodes in one graph
// wait for each other and for the edge writes running at that moment.

import type { Tables } from "./schema.ts";

/** Advisory lock class of graph writes ("stog"), beside the schema's ("stow") and the vectors'. */
const GRAPH_LOCK_CLASS = 0x73746f67;

/**
 * A one-row CTE body taking the graph lock (shared for edge writes, exclusive to delete nodes);
 * `graphParam` is the placeholder holding the graph name. Join it into the source of every row
 * change of the statement, so the lock is held before the first row changes.
 */
export function graphLock(t: Tables, mode: "shared" | "exclusive", graphParam: string): string {
  const fn = mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
  // The schema name is our own checked identifier (schema.ts), never user data in SQL text.
  return `SELECT ${fn}(${GRAPH_LOCK_CLASS}, hashtext(${graphParam}::text || '/${t.schema}')) AS locked`;
}
