// `stowage stats`: live keys per namespace, nodes and edges per graph, vectors per collection, and totals.

import { redactUrl } from "@stowage/core";
import {
  closeQuietly,
  type Command,
  type CommandContext,
  JSON_HELP,
  OUTPUT_OPTIONS,
  openCliStore,
  QUIET_HELP,
  storeUrl,
  URL_HELP,
  URL_OPTION,
} from "../command.ts";
import { count, plural } from "../format.ts";
import { inventory, totals } from "../inventory.ts";

async function run(ctx: CommandContext): Promise<number> {
  const { out } = ctx;
  const url = storeUrl(ctx);
  const store = await openCliStore(url, out, true);
  try {
    const inv = await inventory(store);
    const sum = totals(inv);
    // Only the data: the same content in two stores prints the same JSON, whatever the backend.
    out.jsonResult({
      namespaces: inv.namespaces,
      graphs: inv.graphs,
      vectors: inv.vectors,
      totals: {
        namespaces: Object.keys(inv.namespaces).length,
        keys: sum.keys,
        graphs: Object.keys(inv.graphs).length,
        nodes: sum.nodes,
        edges: sum.edges,
        vectorCollections: sum.vectorCollections,
        vectors: sum.vectors,
      },
    });
    out.result(`${redactUrl(url)} (${store.driverName})`);
    const rows: [string, string, string][] = [
      ...Object.entries(inv.namespaces).map(([ns, n]): [string, string, string] => [
        "namespace",
        ns,
        `${plural(n, "key")}`,
      ]),
      ...Object.entries(inv.graphs).map(([g, s]): [string, string, string] => [
        "graph",
        g,
        `${plural(s.nodes, "node")}, ${plural(s.edges, "edge")}`,
      ]),
      ...Object.entries(inv.vectors).map(([c, v]): [string, string, string] => [
        "vectors",
        c,
        `${plural(v.count, "vector")} (dims ${v.dims}, ${v.metric})`,
      ]),
    ];
    const width = Math.max(0, ...rows.map((r) => r[1].length));
    for (const [what, name, text] of rows)
      out.result(`  ${what.padEnd(9)}  ${name.padEnd(width)}  ${text}`);
    out.result(
      `total: ${plural(Object.keys(inv.namespaces).length, "namespace")} with ${plural(sum.keys, "key")}, ` +
        `${plural(Object.keys(inv.graphs).length, "graph")} with ${plural(sum.nodes, "node")} and ${plural(sum.edges, "edge")}, ` +
        `${plural(sum.vectorCollections, "vector collection")} with ${plural(sum.vectors, "vector")} ` +
        `(${count(sum.records)} records)`,
    );
    return 0;
  } finally {
    await closeQuietly(store);
  }
}

export const stats: Command = {
  summary:
    "live keys per namespace, nodes and edges per graph, vectors per collection (dims, metric), and totals",
  usage: "stowage stats [--url <url>] [--json]",
  options: { ...URL_OPTION, ...OUTPUT_OPTIONS },
  optionHelp: [URL_HELP, JSON_HELP, QUIET_HELP],
  notes: [
    "--json prints one object:",
    '  {"namespaces":{"<ns>":<live keys>},"graphs":{"<name>":{"nodes":N,"edges":M}},',
    '   "vectors":{"<collection>":{"dims":D,"metric":"cosine"|"l2"|"dot","count":N}},"totals":{…}}',
    "It holds only the data (no URL, no driver), so two stores with the same content print the same JSON.",
  ],
  run,
};
