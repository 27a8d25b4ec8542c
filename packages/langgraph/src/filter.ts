// Search filters as LangGraph's stores read them: each top-level field of the item's value equals
// the given value, or satisfies operators ($eq, $ne, $gt, $gte, $lt, $lte, $in, $nin).

const OPERATORS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"]);

function isOperators(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0 &&
    Object.keys(value).every((k) => OPERATORS.has(k))
  );
}

function compare(actual: unknown, op: string, expected: unknown): boolean {
  switch (op) {
    case "$eq":
      return actual === expected;
    case "$ne":
      return actual !== expected;
    case "$gt":
      return Number(actual) > Number(expected);
    case "$gte":
      return Number(actual) >= Number(expected);
    case "$lt":
      return Number(actual) < Number(expected);
    case "$lte":
      return Number(actual) <= Number(expected);
    case "$in":
      return Array.isArray(expected) && expected.includes(actual);
    default: // $nin
      return !Array.isArray(expected) || !expected.includes(actual);
  }
}

export function matchesFilter(
  value: Record<string, unknown>,
  filter: Record<string, unknown>,
): boolean {
  return Object.entries(filter).every(([field, wanted]) => {
    const actual = value[field];
    if (isOperators(wanted))
      return Object.entries(wanted).every(([op, expected]) => compare(actual, op, expected));
    return actual === wanted;
  });
}
