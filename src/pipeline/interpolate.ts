// `${params.NAME}` and `${env.NAME}` in `with:` values. A value that is exactly one reference keeps its type.
import { didYouMean } from '../errors.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { PathSegment } from './source.ts';
import { UNSAFE_KEY_REASON, isUnsafeKey } from './unsafe-keys.ts';

export interface InterpolationScope {
  params: Record<string, unknown>;
  env: Record<string, string | undefined>;
  /** Collects the paths whose whole value was one reference, to say "(from ${params.seed})" in later errors. */
  origins?: { path: PathSegment[]; ref: string }[];
  /** Collects the names of the environment variables looked up, set or not. */
  envNames?: Set<string>;
  /** Collects the strings that took a value from the environment (their path and text as written), to keep them out of keys. */
  envValues?: { path: PathSegment[]; template: string }[];
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const WHOLE = /^\$\{([^}]*)\}$/;

/** Returns `value` with every reference replaced; problems are pushed to `diagnostics` at `path`. */
export function interpolate(value: unknown, path: PathSegment[], scope: InterpolationScope, diagnostics: Diagnostic[]): unknown {
  if (typeof value === 'string') return interpolateString(value, path, scope, diagnostics);
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, [...path, i], scope, diagnostics));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, [...path, k], scope, diagnostics)]));
  }
  return value;
}

function interpolateString(text: string, path: PathSegment[], scope: InterpolationScope, diagnostics: Diagnostic[]): unknown {
  const whole = WHOLE.exec(text);
  if (whole) {
    const resolved = resolveReference(whole[1]!, path, scope, diagnostics);
    if (resolved) scope.origins?.push({ path, ref: text });
    if (resolved?.fromEnv) scope.envValues?.push({ path, template: text });
    return resolved ? resolved.value : text;
  }
  if (!text.includes('${')) return text;
  let fromEnv = false;
  const result = text.replace(REFERENCE, (match, expr: string | undefined) => {
    if (match === '$${') return '${';
    const resolved = resolveReference(expr!, path, scope, diagnostics);
    if (!resolved) return match;
    fromEnv ||= resolved.fromEnv === true;
    return typeof resolved.value === 'string' ? resolved.value : JSON.stringify(resolved.value);
  });
  if (fromEnv) scope.envValues?.push({ path, template: text });
  return result;
}

/** The value of `params.a.b` or `env.NAME`; undefined (with a diagnostic) when it cannot be resolved. */
function resolveReference(expr: string, path: PathSegment[], scope: InterpolationScope, diagnostics: Diagnostic[]): { value: unknown; fromEnv?: true } | undefined {
  const ref = expr.trim();
  const fail = (message: string) => {
    diagnostics.push({ severity: 'error', kind: 'interpolation', path, message });
    return undefined;
  };
  const [namespace, ...names] = ref.split('.');
  const unsafe = names.find(isUnsafeKey);
  if (unsafe !== undefined) return fail(`'${unsafe}' is not allowed in \${${ref}}: ${UNSAFE_KEY_REASON}`);
  if (namespace === 'env' && names.length >= 1) {
    const name = names.join('.');
    scope.envNames?.add(name);
    // Own variables only: `${env.toString}` must not find a method of the environment object.
    const value = Object.hasOwn(scope.env, name) ? scope.env[name] : undefined;
    if (value === undefined) return fail(`environment variable '${name}' is not set (referenced as \${${ref}})`);
    return { value, fromEnv: true };
  }
  if (namespace === 'params' && names.length >= 1) {
    let node: unknown = scope.params;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const keys = node !== null && typeof node === 'object' && !Array.isArray(node) ? Object.keys(node) : [];
      if (!keys.includes(name)) {
        const guess = didYouMean(name, keys);
        const where = i === 0 ? 'params' : `params.${names.slice(0, i).join('.')}`;
        return fail(`unknown parameter '${names.slice(0, i + 1).join('.')}' in \${${ref}}: ${where} has ${keys.length ? keys.join(', ') : 'no entries'}${guess ? `; did you mean '${guess}'?` : ''}`);
      }
      node = (node as Record<string, unknown>)[name];
    }
    return { value: structuredClone(node) };
  }
  return fail(`cannot resolve \${${ref}}: use \${params.NAME} or \${env.NAME} (write $\${...} for a literal \${...})`);
}
