// The kit's vector group again with the approximate path on (vectorIndex: libsql_vector_idx +
// oversampled vector_top_k, so the `recall` and `approximate-contract` cases run) and native
// traversal (so graph.traverseFromNearest is the driver's one-statement version).
import { runConformance } from "@stowage/conformance";
import { createLibsqlDriver } from "../src/index.ts";
import { tempDbUrl } from "./helpers.ts";

const { url } = tempDbUrl("kit-vectors.db");

runConformance({
  name: "libsql-vector-index",
  open: () => createLibsqlDriver({ url, vectorIndex: true, nativeTraversal: true }),
  groups: ["vector"],
});
