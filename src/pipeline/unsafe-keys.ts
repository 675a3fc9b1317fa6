// Names that reach JavaScript's object prototype (`__proto__`, `constructor`, `prototype`): refused as keys in pipeline
// and config files, as --set path segments and in ${params...} references, so no value can pollute every object.
import { isPair, isScalar, visit } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import type { YamlSource } from './source.ts';

const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** True for `__proto__`, `constructor` and `prototype`. */
export function isUnsafeKey(key: string | number): boolean {
  return typeof key === 'string' && UNSAFE_KEYS.has(key);
}

/** Why such a name is refused, for messages. */
export const UNSAFE_KEY_REASON = "__proto__, constructor and prototype reach JavaScript's object prototype, so tunefile refuses them as names";

/** Every mapping key of the file that is an unsafe name, positioned at the key. */
export function unsafeKeyProblems(source: YamlSource): Diagnostic[] {
  const problems: Diagnostic[] = [];
  visit(source.doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || typeof pair.key.value !== 'string' || !isUnsafeKey(pair.key.value)) return;
      problems.push({
        severity: 'error', kind: 'yaml', path: [], offset: pair.key.range?.[0] ?? 0,
        message: `key '${pair.key.value}' is not allowed: ${UNSAFE_KEY_REASON}; rename it`,
      });
    },
  });
  return problems;
}

/** The first unsafe key anywhere in a plain value (a --set value parsed as YAML), or undefined. */
export function findUnsafeKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, v] of Object.entries(value)) {
    if (isUnsafeKey(key)) return key;
    const inner = findUnsafeKey(v);
    if (inner !== undefined) return inner;
  }
  return undefined;
}
