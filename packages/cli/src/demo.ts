// `stowage demo`: a small knowledge graph and session records on the embedded default
// (file:./stowage.db) or any URL, then a traversal, a path search, a compare-and-set update and
// an expiring record. Re-runs reuse the data: everything is upserted, and a run counter grows.

import { ConflictError, openStore, redactUrl, type Store } from "@stowage/core";
import { registerBundledDrivers } from "./drivers.ts";

export const DEFAULT_DEMO_URL = "file:./stowage.db";
const GRAPH = "demo-kg";

export interface DemoOptions {
  /** Where to store (default file:./stowage.db, relative to the working directory). */
  readonly url?: string;
  /** Receives each output line (default: console.log). */
  readonly write?: (line: string) => void;
  /** Lifetime of the expiring record; the demo waits a little longer to show it gone (default 1000). */
  readonly ttlMs?: number;
}

export interface DemoSummary {
  readonly url: string;
  readonly driver: string;
  /** True when the demo graph was already there. */
  readonly reused: boolean;
  /** How many times the demo has run against this store, this run included. */
  readonly run: number;
  readonly nodes: number;
  readonly edges: number;
}

type Kind = "person" | "organisation" | "paper";
interface NodeProps extends Record<string, unknown> {
  name: string;
  year?: number;
}

const nodes: { id: string; type: Kind; props: NodeProps }[] = [
  { id: "ada", type: "person", props: { name: "Ada Lovelace", year: 1815 } },
  { id: "babbage", type: "person", props: { name: "Charles Babbage", year: 1791 } },
  { id: "turing", type: "person", props: { name: "Alan Turing", year: 1912 } },
  { id: "aiken", type: "person", props: { name: "Howard Aiken", year: 1900 } },
  { id: "hopper", type: "person", props: { name: "Grace Hopper", year: 1906 } },
  { id: "cambridge", type: "organisation", props: { name: "University of Cambridge" } },
  { id: "bletchley", type: "organisation", props: { name: "Bletchley Park" } },
  { id: "harvard", type: "organisation", props: { name: "Harvard University" } },
  { id: "navy", type: "organisation", props: { name: "US Navy" } },
  {
    id: "notes-1843",
    type: "paper",
    props: { name: "Notes on the Analytical Engine", year: 1843 },
  },
  { id: "computable-1936", type: "paper", props: { name: "On Computable Numbers", year: 1936 } },
  {
    id: "cmi-1950",
    type: "paper",
    props: { name: "Computing Machinery and Intelligence", year: 1950 },
  },
  {
    id: "education-1952",
    type: "paper",
    props: { name: "The Education of a Computer", year: 1952 },
  },
];

const edges: { from: string; type: string; to: string; props?: Record<string, unknown> }[] = [
  { from: "ada", type: "collaborated_with", to: "babbage" },
  { from: "ada", type: "authored", to: "notes-1843" },
  {
    from: "babbage",
    type: "affiliated_with",
    to: "cambridge",
    props: { role: "Lucasian Professor" },
  },
  { from: "turing", type: "affiliated_with", to: "cambridge", props: { role: "King's College" } },
  { from: "turing", type: "worked_at", to: "bletchley" },
  { from: "turing", type: "authored", to: "computable-1936" },
  { from: "turing", type: "authored", to: "cmi-1950" },
  {
    from: "cmi-1950",
    type: "cites",
    to: "notes-1843",
    props: { why: "Lady Lovelace's objection" },
  },
  { from: "aiken", type: "inspired_by", to: "babbage", props: { why: "the Analytical Engine" } },
  { from: "aiken", type: "worked_at", to: "harvard", props: { built: "Harvard Mark I" } },
  { from: "hopper", type: "worked_with", to: "aiken" },
  { from: "hopper", type: "worked_at", to: "harvard" },
  { from: "hopper", type: "worked_at", to: "navy" },
  { from: "hopper", type: "authored", to: "education-1952" },
];

interface Session {
  user: string;
  startedAt: Date;
  pages: Set<string>;
  visits: number;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function label(
  id: string,
  found: ReadonlyMap<string, { type: string | null; props: Record<string, unknown> }>,
): string {
  const node = found.get(id);
  return node?.props.name ? `${id} (${String(node.props.name)})` : id;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs the demo; returns what it did (for tests and scripts). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const url = options.url ?? DEFAULT_DEMO_URL;
  const out = options.write ?? ((line: string) => console.log(line));
  const ttlMs = options.ttlMs ?? 1000;
  const started = performance.now();
  // Printed everywhere instead of the URL: the password and tokens masked.
  const shown = redactUrl(url);
  registerBundledDrivers();
  const store: Store = await openStore(url);
  try {
    const kg = store.graph<NodeProps>(GRAPH);
    out(`stowage demo · ${store.driverName} driver · ${shown}`);
    const before = await kg.stats();
    const reused = before.nodes > 0;
    out(
      reused
        ? `reusing ${shown}: ${before.nodes} nodes and ${before.edges} edges already there (upserts below change nothing twice)`
        : `new store: writing the demo data`,
    );

    // A run counter: update() is a compare-and-set loop, so concurrent demos would not lose a run.
    const runs = store.kv<number>("demo");
    const run = (await runs.update("runs", (n) => (n ?? 0) + 1)).value;

    // 1. The knowledge graph: upserts merge, so a second run adds nothing new.
    out("");
    out(`1. Knowledge graph "${GRAPH}"`);
    await kg.upsertNodes(nodes);
    await kg.upsertEdges(edges);
    const stats = await kg.stats();
    const byType = (type: Kind) => nodes.filter((n) => n.type === type).length;
    out(
      `   ${stats.nodes} nodes (${byType("person")} people, ${byType("organisation")} organisations, ${byType("paper")} papers), ` +
        `${stats.edges} relations`,
    );

    // 2. Traversal: everything within two hops of Ada, either direction.
    out("");
    out("2. Traversal: within 2 hops of ada, any direction");
    const walk = await kg.traverse("ada", { maxDepth: 2, direction: "both" });
    for (const node of walk.nodes) {
      out(
        `   depth ${node.depth}  ${pad(node.id, 16)} ${pad(node.type ?? "-", 13)} ${String(node.props.name ?? "")}`,
      );
    }
    out(`   ${walk.edges.length} relations followed:`);
    for (const e of walk.edges) out(`     ${e.from} -[${e.type}]-> ${e.to}`);

    // 3. Path search: how does Grace Hopper connect to Alan Turing?
    out("");
    out("3. Path search: hopper → turing, up to 5 hops, any direction");
    const options5 = { maxDepth: 5, direction: "both" as const };
    const shortest = await kg.shortestPath("hopper", "turing", options5);
    const all = await kg.findPaths("hopper", "turing", { ...options5, maxPaths: 10 });
    const allNodes = new Map(
      (await kg.getNodes([...new Set(all.flatMap((p) => p.nodes))])).flatMap((n) =>
        n ? [[n.id, n] as const] : [],
      ),
    );
    const render = (path: {
      nodes: string[];
      edges: { from: string; type: string; to: string }[];
    }) =>
      path.nodes
        .map((id, i) => {
          if (i === 0) return label(id, allNodes);
          const edge = path.edges[i - 1] as { from: string; type: string; to: string };
          return `${edge.from === path.nodes[i - 1] ? `-[${edge.type}]->` : `<-[${edge.type}]-`} ${label(id, allNodes)}`;
        })
        .join(" ");
    out(
      shortest ? `   shortest (${shortest.edges.length} hops): ${render(shortest)}` : "   no path",
    );
    out(`   all simple paths found: ${all.length}`);
    for (const p of all) out(`     ${p.edges.length} hops: ${p.nodes.join(" · ")}`);

    // 4. Session records and compare-and-set.
    out("");
    out('4. Session records and compare-and-set (namespace "sessions")');
    const sessions = store.kv<Session>("sessions");
    for (const user of ["ada", "grace"]) {
      // ifAbsent: created on the first run only; later runs keep the original record.
      const exists = await sessions.has(`session:${user}`);
      if (!exists) {
        await sessions.set(
          `session:${user}`,
          { user, startedAt: new Date(), pages: new Set(["/"]), visits: 0 },
          { ifAbsent: true },
        );
      }
    }
    const current = await sessions.getEntry("session:ada");
    if (!current) throw new Error("session:ada is missing");
    const next = {
      ...current.value,
      visits: current.value.visits + 1,
      pages: new Set([...current.value.pages, `/run/${run}`]),
    };
    const version = await sessions.set("session:ada", next, { ifVersion: current.version });
    out(
      `   session:ada: read version ${current.version}, wrote with ifVersion ${current.version} → version ${version} (visits ${next.visits})`,
    );
    try {
      await sessions.set("session:ada", { ...next, visits: -1 }, { ifVersion: current.version });
      out("   a stale write went through: compare-and-set is broken");
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      out(
        `   a second writer still holding version ${current.version} is refused: ${error.name} (nothing written)`,
      );
    }
    const ada = await sessions.get("session:ada");
    out(
      `   stored: user ${ada?.user}, started ${ada?.startedAt.toISOString()}, visits ${ada?.visits}, ` +
        `pages ${[...(ada?.pages ?? [])].join(" ")}  (Date and Set round-trip as themselves)`,
    );
    out(`   run counter (update() retries on conflict): this is run #${run}`);

    // 5. An expiring record: never returned by any read once it expires, swept later.
    out("");
    out("5. Expiring record");
    const code = String(100000 + Math.floor(Math.random() * 900000));
    const otp = store.kv<string>("otp");
    await otp.set("ada", code, { ttlMs });
    const live = await otp.getEntry("ada");
    out(
      `   otp/ada = "${live?.value}" with ttlMs ${ttlMs} (expires at ${new Date(live?.expiresAt ?? 0).toISOString()})`,
    );
    await sleep(ttlMs + 100);
    const gone = await otp.get("ada");
    out(
      `   ${ttlMs + 100} ms later: otp/ada = ${gone === undefined ? "undefined (expired: no read returns it)" : `"${gone}" (still there?)`}`,
    );

    out("");
    const where = /^file:/i.test(shown) ? shown.replace(/^file:/i, "") : shown;
    out(
      `done in ${((performance.now() - started) / 1000).toFixed(1)} s: the data is in ${where}; run again to reuse it.`,
    );
    return { url, driver: store.driverName, reused, run, nodes: stats.nodes, edges: stats.edges };
  } finally {
    await store.close();
  }
}
