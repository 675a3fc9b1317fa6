// `--set KEY=VALUE`: dotted paths into the pipeline data, values parsed as YAML, applied before interpolation.
import { UsageError } from '../errors.ts';
import { didYouMean } from '../errors.ts';
import type { SetOverride } from './diagnostics.ts';
import { formatPath } from './json-path.ts';
import { parseYamlSource } from './source.ts';
import type { PathSegment } from './source.ts';
import { yamlProblems } from './yaml-problems.ts';
import { UNSAFE_KEY_REASON, findUnsafeKey, isUnsafeKey } from './unsafe-keys.ts';

const TOP_LEVEL = ['version', 'name', 'provider', 'model', 'params', 'allow_outside', 'stages'];

/** Applies each `KEY=VALUE` to `data` (mutated) and returns what was set, for error attribution. */
export function applySets(data: Record<string, unknown>, sets: string[]): SetOverride[] {
  return sets.map((arg) => {
    const { key, value } = splitSetArg(arg);
    const path = resolveSetPath(key, data, arg);
    writePath(data, path, value, arg);
    return { arg, path };
  });
}

/** Splits `KEY=VALUE` and parses VALUE as YAML (an empty VALUE is the empty string). */
export function splitSetArg(arg: string): { key: string; value: unknown } {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set ${arg}: expected KEY=VALUE, e.g. --set train.with.n_epochs=8`);
  const key = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  if (raw.trim() === '') return { key, value: '' };
  // Checked as a pipeline file is (syntax, undefined, recursive or exploding aliases) before it becomes data.
  const source = parseYamlSource(raw, '--set');
  const problem = yamlProblems(source).find((d) => d.severity === 'error');
  if (problem) {
    const syntax = problem.message.startsWith('YAML syntax error: ');
    throw new UsageError(`--set ${arg}: the value is not valid YAML: ${syntax ? problem.message.slice(19) : problem.message}`, {
      hint: syntax ? 'quote the value for the shell, e.g. --set \'name="a: b"\'' : undefined,
    });
  }
  const value = source.doc.toJS({ maxAliasCount: -1 }) as unknown;
  const unsafe = findUnsafeKey(value);
  if (unsafe !== undefined) throw new UsageError(`--set ${arg}: key '${unsafe}' is not allowed in the value: ${UNSAFE_KEY_REASON}`);
  return { key, value };
}

/** `train.with.n_epochs` -> ['stages', 'train', 'with', 'n_epochs'] when `train` is a stage; usage error for an unknown first segment. */
export function resolveSetPath(key: string, data: Record<string, unknown>, arg: string): PathSegment[] {
  const segments = key.split('.');
  if (segments.some((s) => s === '')) throw new UsageError(`--set ${arg}: '${key}' is not a dotted path like train.with.n_epochs`);
  const unsafe = segments.find(isUnsafeKey);
  // Writing through `__proto__` would set a value on every object of the process.
  if (unsafe !== undefined) throw new UsageError(`--set ${arg}: '${unsafe}' is not allowed in the path: ${UNSAFE_KEY_REASON}`, { hint: 'name a key of the pipeline file, e.g. --set params.seed=7' });
  const stages = data.stages !== null && typeof data.stages === 'object' ? Object.keys(data.stages) : [];
  const [first, ...rest] = segments as [string, ...string[]];
  if (first === 'stages' && rest.length > 0 && !stages.includes(rest[0]!)) throw unknownStage(arg, rest[0]!, stages, []);
  if (TOP_LEVEL.includes(first)) return segments.map(toSegment);
  if (stages.includes(first)) return ['stages', first, ...rest.map(toSegment)];
  throw unknownStage(arg, first, stages, TOP_LEVEL);
}

function unknownStage(arg: string, name: string, stages: string[], topLevel: string[]): UsageError {
  const guess = didYouMean(name, [...stages, ...topLevel]);
  return new UsageError(`--set ${arg}: '${name}' is not a stage${topLevel.length ? ' or a top-level key' : ''}${guess ? `; did you mean '${guess}'?` : ''}`, {
    hint: `stages: ${stages.join(', ') || '(none)'}`,
  });
}

function toSegment(s: string): PathSegment {
  return /^\d+$/.test(s) ? Number(s) : s;
}

function writePath(data: Record<string, unknown>, path: PathSegment[], value: unknown, arg: string): void {
  let node: any = data;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i]!;
    let next = node[segment];
    if (next === undefined || next === null) {
      next = typeof path[i + 1] === 'number' ? [] : {};
      node[segment] = next;
    } else if (typeof next !== 'object') {
      throw new UsageError(`--set ${arg}: ${formatPath(path.slice(0, i + 1))} is ${JSON.stringify(next)}, not an object, so it has no '${path[i + 1]}'`);
    }
    node = next;
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(node) && typeof last !== 'number') {
    throw new UsageError(`--set ${arg}: ${formatPath(path.slice(0, -1))} is a list; use a number index`);
  }
  node[last] = value;
}
