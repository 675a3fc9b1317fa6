// JSON.parse that keeps a number exactly as written when a double would change it (12345678901234567891, 1.0, 1e3).

/** A number kept as its source text: JSON.stringify writes the text back unchanged. */
export interface ExactNumber {
  readonly rawJSON: string;
}

/**
 * JSON.rawJSON and JSON.isRawJSON, and the reviver's `context.source` (ES2025 "JSON.parse source text access"): in V8
 * since 11.4, so in every Node.js tunefile runs on (>= 22.18 has V8 12.4). TypeScript's es2023 lib does not know them.
 */
const json = JSON as JSON & { rawJSON?(text: string): ExactNumber; isRawJSON?(value: unknown): boolean };

/**
 * True when a JSON text may hold a number whose shortest double form differs from its text: 16 or more digits
 * (with or without a point: precision, or >= 1e21 written out), an exponent, a fraction ending in 0, 6 zeros after
 * the point (< 1e-6 prints as 1e-7), or -0. It may also match inside strings ("v1.0"): that only costs the slow parse.
 */
const MAY_CHANGE = /\d[\d.]{15}|\d[eE]|\.\d*0(?!\d)|\.0{6}|-0(?![\d.eE])/;

/** Nesting below which holdsNumber stops looking and answers true (the text test then decides). */
const MAX_DEPTH = 16;

/** True when a parsed value holds a number at any depth (a record of strings, the common case, holds none). */
function holdsNumber(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return true;
  if (value === null || typeof value !== 'object') return false;
  if (depth >= MAX_DEPTH) return true;
  if (Array.isArray(value)) return value.some((v) => holdsNumber(v, depth + 1));
  for (const key in value) if (holdsNumber((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/** The reviver: a number that String() would not give back as written becomes JSON.rawJSON(its text). */
function keepSource(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  return String(value) === context.source ? value : json.rawJSON!(context.source);
}

const HAS_SOURCE_ACCESS = typeof json.rawJSON === 'function';

/**
 * JSON.parse(text), except that numbers a double would change (a 20-digit id, `1.0`) are ExactNumber values holding
 * their text. Every source line comes through here (a 10^6-row load), so the common case costs one plain parse and a
 * look at the values: only a record that holds a number has its text tested, and only a text that may hold a changed
 * number is parsed again with the reviver (several times the cost of a plain parse).
 * @throws SyntaxError as JSON.parse does
 */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (!HAS_SOURCE_ACCESS || !holdsNumber(value, 0) || !MAY_CHANGE.test(text)) return value;
  return JSON.parse(text, keepSource);
}

/** True for a number kept as its source text by parseJsonExact. */
export function isExactNumber(value: unknown): value is ExactNumber {
  return typeof value === 'object' && value !== null && json.isRawJSON !== undefined && json.isRawJSON(value);
}

/** `integer` or `number`, for an ExactNumber's text (the kinds load's coercion counts use). */
export function exactNumberKind(value: ExactNumber): 'integer' | 'number' {
  return /^-?\d+$/.test(value.rawJSON) ? 'integer' : 'number';
}

/**
 * `value` with each ExactNumber in it replaced by its text, as a string; the same value when it holds none. For values
 * copied into records as they are (kept fields, chat messages): the next stage reads the record in this thread or parses
 * its line again, and both must see the same value (a 20-digit group id parsed again would lose its last digits).
 */
export function exactNumbersAsText(value: unknown): unknown {
  if (isExactNumber(value)) return value.rawJSON;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.map(exactNumbersAsText);
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  const entries = Object.entries(value);
  const converted = entries.map(([key, v]) => [key, exactNumbersAsText(v)] as const);
  // fromEntries defines properties: a source key `__proto__` stays a plain key.
  return converted.some(([, v], i) => v !== entries[i]![1]) ? Object.fromEntries(converted) : value;
}
