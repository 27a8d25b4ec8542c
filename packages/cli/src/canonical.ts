// One text per JSON value whatever the store kept: keys sorted, so props and metadata checksum
// alike on PostgreSQL's jsonb (which does not keep a text's key order) and everywhere else.

export function sortedJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(",")}}`;
}

/** Encoded props or metadata (a JSON object text), re-serialised with sorted keys. */
export function canonicalProps(props: string): string {
  return sortedJson(JSON.parse(props));
}
