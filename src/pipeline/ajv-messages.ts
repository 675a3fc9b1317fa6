// Turns ajv's errors into human diagnostics: what was expected and what was got, at the right key.
import type { ErrorObject } from 'ajv';
import { didYouMean } from '../errors.ts';
import type { Diagnostic } from './diagnostics.ts';
import { acceptsBoolean, describeSchema, describeType, describeValue, joinOr, namedValues, typeMatches } from './describe.ts';
import { pointerToPath } from './json-path.ts';

const ID_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*$';
const REF_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*\\.[A-Za-z_][A-Za-z0-9_-]*$';

/** Human diagnostics for ajv errors (run with allErrors and verbose) over `data`. */
export function humanizeAjvErrors(errors: ErrorObject[], data: unknown): Diagnostic[] {
  const kept = dropNoise(errors);
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of kept) {
    const d = humanizeOne(e, data);
    if (!d) continue;
    const id = `${d.path.join('\u0000')}|${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  return out;
}

/**
 * Drops errors that only repeat others: if/then wrappers, `propertyNames` wrappers, and the branches
 * of a failed anyOf/oneOf. A failed anyOf keeps one branch's errors when the value's type selects
 * exactly one object or list branch; otherwise it becomes one "must be X or Y" error.
 */
function dropNoise(errors: ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  const unions = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (dropped.has(union)) continue;
    const branches = Array.isArray(union.schema) ? union.schema : [];
    const inside = errors.filter((e) => e !== union && e.schemaPath.startsWith(`${union.schemaPath}/`));
    const fitting = branches.map((b, i) => ({ b, i })).filter(({ b }) => typeMatches(b, union.data));
    const only = fitting.length === 1 ? fitting[0]! : undefined;
    const structural = only && ['object', 'array'].includes(String((only.b as Record<string, unknown>).type));
    if (only && structural) {
      dropped.add(union);
      for (const e of inside) if (!e.schemaPath.startsWith(`${union.schemaPath}/${only.i}/`)) dropped.add(e);
    } else {
      for (const e of inside) dropped.add(e);
    }
  }
  return errors.filter((e) => !dropped.has(e) && e.keyword !== 'if' && e.keyword !== 'propertyNames');
}

const YAML11_BOOLEANS = /^(yes|no|on|off|y|n)$/i;

function humanizeOne(e: ErrorObject, data: unknown): Diagnostic | undefined {
  const d = describeError(e, data);
  if (d && typeof e.data === 'string' && YAML11_BOOLEANS.test(e.data) && acceptsBoolean(e.parentSchema)) {
    d.message += `; write true or false (YAML 1.2 reads ${e.data} as text)`;
  }
  return d;
}

function describeError(e: ErrorObject, data: unknown): Diagnostic | undefined {
  const path = pointerToPath(e.instancePath, data);
  const got = `(got ${describeValue(e.data)})`;
  const p = e.params as Record<string, any>;
  const error = (message: string, extra: Partial<Diagnostic> = {}): Diagnostic =>
    ({ severity: 'error', kind: 'schema', path, message, ...extra });
  if (e.propertyName !== undefined) {
    const name = e.propertyName;
    const why = e.keyword === 'pattern' && p.pattern === ID_PATTERN
      ? 'names must start with a letter or _ and contain only letters, digits, _ and -'
      : e.message ?? 'is not allowed';
    return error(`invalid name '${name}': ${why}`, { path: [...path, name], at: 'key' });
  }
  switch (e.keyword) {
    case 'type':
      return error(`must be ${describeType(p.type)} ${got}`);
    case 'required':
      return error(`missing required key '${p.missingProperty}'`, { at: 'key' });
    case 'additionalProperties': {
      const known = Object.keys(((e.parentSchema as Record<string, unknown>)?.properties ?? {}) as object);
      const guess = didYouMean(p.additionalProperty, known);
      const hint = guess ? `; did you mean '${guess}'?` : known.length > 0 && known.length <= 10 ? ` (allowed: ${known.join(', ')})` : '';
      return error(`unknown key '${p.additionalProperty}'${hint}`, { path: [...path, p.additionalProperty], at: 'key' });
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? [];
      const guess = typeof e.data === 'string' ? didYouMean(e.data, allowed.map(String)) : undefined;
      return error(`must be ${joinOr(allowed.map((v) => JSON.stringify(v)))} ${got}${guess ? `; did you mean '${guess}'?` : ''}`);
    }
    case 'const':
      return error(`must be ${JSON.stringify(p.allowedValue)} ${got}`);
    case 'anyOf':
    case 'oneOf': {
      const several = Array.isArray(p.passingSchemas);
      const keySets = requiredOnly(e.schema);
      if (keySets) {
        const options = joinOr(keySets.map((keys) => keys.map((k) => `'${k}'`).join(' and ')));
        return error(several ? `must have only one of ${options}` : `must have ${options}`, { at: 'key' });
      }
      if (several) return error(`must match only one of ${describeSchema(e.parentSchema)}, but matches several ${got}`);
      const guess = typeof e.data === 'string' ? didYouMean(e.data, namedValues(e.parentSchema)) : undefined;
      return error(`must be ${describeSchema(e.parentSchema)} ${got}${guess ? `; did you mean '${guess}'?` : ''}`);
    }
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return error(`must be ${p.comparison} ${p.limit} ${got}`);
    case 'minLength':
      return error(p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long ${got}`);
    case 'maxLength':
      return error(`must be at most ${p.limit} characters long ${got}`);
    case 'minItems':
      return error(`must have at least ${p.limit} item${p.limit === 1 ? '' : 's'} ${got}`);
    case 'maxItems':
      return error(`must have at most ${p.limit} item${p.limit === 1 ? '' : 's'} ${got}`);
    case 'minProperties':
      return error(`must have at least ${p.limit} entr${p.limit === 1 ? 'y' : 'ies'} ${got}`);
    case 'uniqueItems':
    {
      const [first, again] = [Math.min(p.i, p.j), Math.max(p.i, p.j)];
      return error(`must not repeat items: items ${first} and ${again} are both ${describeValue((e.data as unknown[])[again])}`, { path: [...path, again] });
    }
    case 'pattern':
      if (p.pattern === REF_PATTERN) return error(`must be "stage.artifact" ${got}`);
      if (p.pattern === ID_PATTERN) return error(`must be a name of letters, digits, _ and - ${got}`);
      return error(`must match the pattern ${p.pattern} ${got}`);
    case 'false schema':
      return error('is not allowed here');
    default:
      return error(`${e.message ?? 'is invalid'} ${got}`);
  }
}

/** For unions like `anyOf: [{required: [path]}, {required: [paths]}]`: the key sets; else undefined. */
function requiredOnly(branches: unknown): string[][] | undefined {
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const sets = branches.map((b) => {
    const keys = Object.keys(b ?? {});
    return keys.length === 1 && Array.isArray((b as { required?: unknown }).required) ? ((b as { required: string[] }).required) : undefined;
  });
  return sets.every((k) => k !== undefined) ? (sets as string[][]) : undefined;
}
