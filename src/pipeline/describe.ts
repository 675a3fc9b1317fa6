// Plain-English descriptions of JSON values and schemas, for "expected X (got Y)" messages.

/** The JSON type of a value: object, array, string, integer, number, boolean or null. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A short rendering of a value: `"abc"`, `1.5`, `a list of 3`, `an object`. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (value !== null && typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty object' : 'an object';
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'an object', array: 'a list', string: 'a string', integer: 'an integer',
  number: 'a number', boolean: 'true or false', null: 'null',
};

/** `a string`, `an integer or null`. */
export function describeType(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return joinOr(types.map((t) => TYPE_NAMES[String(t)] ?? String(t)));
}

/** `'a', 'b' or 'c'`. */
export function joinOr(items: string[], word = 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]}`;
}

/** A schema as a noun phrase: `a number > 0 and < 1`, `'auto'`, `one of 'a', 'b'`. */
export function describeSchema(schema: unknown): string {
  if (schema === true) return 'anything';
  if (schema === false || schema === null || typeof schema !== 'object') return 'nothing';
  const s = schema as Record<string, unknown>;
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return joinOr(s.enum.map((v) => JSON.stringify(v)));
  if (Array.isArray(s.anyOf ?? s.oneOf)) {
    const items = ((s.anyOf ?? s.oneOf) as unknown[]).flatMap(describeBranch);
    // "a number > 0 and < 1, or an integer >= 1": a comma keeps compound branches apart
    return items.some((i) => i.includes(' and ')) ? `${items.slice(0, -1).join(', ')}, or ${items.at(-1)}` : joinOr(items);
  }
  if (s.type === undefined) return typeof s.description === 'string' ? s.description : 'a valid value';
  const bounds = describeBounds(s);
  return bounds ? `${describeType(s.type)} ${bounds}` : describeType(s.type);
}

function describeBranch(branch: unknown): string[] {
  const s = (branch ?? {}) as { enum?: unknown; type?: unknown };
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v));
  if (s.type === 'boolean') return ['true', 'false'];
  return [describeSchema(branch)];
}

/** True when a schema (or one of its anyOf/oneOf branches) accepts booleans. */
export function acceptsBoolean(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return false;
  const s = schema as Record<string, unknown>;
  if (s.type === 'boolean' || (Array.isArray(s.type) && s.type.includes('boolean'))) return true;
  const branches = s.anyOf ?? s.oneOf;
  return Array.isArray(branches) && branches.some(acceptsBoolean);
}

/** The string values a schema (or its anyOf/oneOf branches) accepts by name, for "did you mean". */
export function namedValues(schema: unknown): string[] {
  if (schema === null || typeof schema !== 'object') return [];
  const s = schema as Record<string, unknown>;
  if (typeof s.const === 'string') return [s.const];
  if (Array.isArray(s.enum)) return s.enum.filter((v): v is string => typeof v === 'string');
  const branches = s.anyOf ?? s.oneOf;
  return Array.isArray(branches) ? branches.flatMap(namedValues) : [];
}

function describeBounds(s: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof s.exclusiveMinimum === 'number') parts.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.minimum === 'number') parts.push(`>= ${s.minimum}`);
  if (typeof s.exclusiveMaximum === 'number') parts.push(`< ${s.exclusiveMaximum}`);
  if (typeof s.maximum === 'number') parts.push(`<= ${s.maximum}`);
  if (typeof s.minLength === 'number' && s.minLength > 0) parts.push(s.minLength === 1 ? 'not empty' : `of at least ${s.minLength} characters`);
  if (typeof s.minItems === 'number' && s.minItems > 0) parts.push(`with at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
  return parts.join(' and ');
}

/** Whether a value could be what a schema branch describes, judged by JSON type only (integer ~ number). */
export function typeMatches(schema: unknown, value: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return schema === true;
  const s = schema as Record<string, unknown>;
  const kind = (t: unknown) => (t === 'integer' ? 'number' : t);
  const actual = kind(jsonTypeOf(value));
  if ('const' in s) return kind(jsonTypeOf(s.const)) === actual;
  if (Array.isArray(s.enum)) return s.enum.some((v) => kind(jsonTypeOf(v)) === actual);
  if (s.type === undefined) return true;
  return (Array.isArray(s.type) ? s.type : [s.type]).some((t) => kind(t) === actual);
}
