// JSON as Hugging Face writes its files (json.dumps(..., indent=2, sort_keys=True) + "\n"): keys sorted at every level.

/** `value` with every object's keys in sorted order (arrays keep theirs). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, sortKeys(record[k])]));
}

/** Pretty JSON with sorted keys and a final newline. */
export function sortedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + '\n';
}
