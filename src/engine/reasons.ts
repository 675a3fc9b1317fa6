// Human sentences saying why a stage is stale, from its previous lock entry and its new key parts.
import { stripUrlCredentials } from '../providers/redact.ts';
import { canonicalJson } from '../store/hash.ts';
import type { RunRecord } from '../store/state.ts';
import type { KeyParts } from './keys.ts';

/** One parameter that differs: its path in `with` (`with.run[4]`) and both values. */
interface ParamChange {
  path: string;
  before: unknown;
  after: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Collects the leaves where `a` and `b` differ. Objects are compared key by key; lists of the same length element by
 * element, so one changed element of a long list (a command's `run:`) is named by its index instead of the whole list.
 */
function collectChanges(a: unknown, b: unknown, path: string, out: ParamChange[]): ParamChange[] {
  if (canonicalJson(a) === canonicalJson(b)) return out;
  if ((isPlainObject(a) || a === undefined) && (isPlainObject(b) || b === undefined) && (a !== undefined || b !== undefined)) {
    const left = a ?? {};
    const right = b ?? {};
    for (const key of [...new Set([...Object.keys(left), ...Object.keys(right)])].sort()) collectChanges(left[key], right[key], `${path}.${key}`, out);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => collectChanges(item, b[i], `${path}[${i}]`, out));
  } else {
    out.push({ path, before: a, after: b });
  }
  return out;
}

/** Longest shown value; a longer one is cut to a window around its first difference from the other side. */
const MAX_SHOWN = 60;
/** Characters of context kept before the first difference. */
const CONTEXT = 20;

/** Both values as they appear in reasons: JSON, and when long, the part where they differ (same offset on both sides). */
function showPair(before: unknown, after: unknown): [string, string] {
  const a = before === undefined ? '(unset)' : JSON.stringify(before);
  const b = after === undefined ? '(unset)' : JSON.stringify(after);
  if (a.length <= MAX_SHOWN && b.length <= MAX_SHOWN) return [a, b];
  let first = 0;
  while (first < a.length && first < b.length && a[first] === b[first]) first++;
  const start = Math.max(0, first - CONTEXT);
  const cut = (text: string) => {
    if (text.length <= MAX_SHOWN) return text;
    const end = Math.min(text.length, start + MAX_SHOWN - 6);
    return `${start > 0 ? '...' : ''}${text.slice(start, end)}${end < text.length ? '...' : ''}`;
  };
  return [cut(a), cut(b)];
}

/**
 * `with.seed 42 -> 7` for every parameter that differs. `refs` maps a path to the `${params.NAME}` (or `${env.NAME}`)
 * its whole value came from, so a change is named by the parameter the user edited:
 * `params.word "hello" -> "world" (with.run[4])`.
 */
export function diffParams(before: Record<string, unknown>, after: Record<string, unknown>, refs: Record<string, string> = {}): string[] {
  return collectChanges(before, after, 'with', []).map(({ path, before: a, after: b }) => {
    const [shownA, shownB] = showPair(a, b);
    const ref = refs[path];
    return ref ? `${ref} ${shownA} -> ${shownB} (${path})` : `${path} ${shownA} -> ${shownB}`;
  });
}

/** A provider identity for reasons: never a user:password@ from an old lock entry. */
function showProvider(identity: string | undefined): string {
  return identity === undefined ? '(none)' : stripUrlCredentials(identity);
}

/**
 * Why `parts` differs from the previous lock entry. `producers` maps input names to the producing stage id; `refs`
 * maps parameter paths to the reference they came from (PipelineStage.refs).
 * Empty when nothing in the key changed.
 */
export function explainChange(previous: RunRecord | undefined, parts: KeyParts, producers: Record<string, string>, refs: Record<string, string> = {}): string[] {
  if (!previous) return ['never run'];
  const reasons: string[] = [];
  if (previous.type !== parts.type) reasons.push(`stage type changed: ${previous.type} -> ${parts.type}`);
  if (previous.version !== parts.version) reasons.push(`stage implementation version ${previous.version} -> ${parts.version}`);
  const params = diffParams(previous.params ?? {}, parts.params, refs);
  if (params.length > 0) reasons.push(`params changed: ${params.join(', ')}`);
  const names = [...new Set([...Object.keys(previous.inputs ?? {}), ...Object.keys(parts.inputs)])].sort();
  for (const name of names) {
    const before = previous.inputs?.[name];
    const after = parts.inputs[name];
    if (before === after) continue;
    const from = producers[name] ? ` (produced by ${producers[name]})` : '';
    if (!before) reasons.push(`new input '${name}'${from}`);
    else if (!after) reasons.push(`input '${name}' removed`);
    else reasons.push(`input '${name}' changed${from}: ${before.slice(0, 8)} -> ${after.slice(0, 8)}`);
  }
  const files = [...new Set([...Object.keys(previous.deps ?? {}), ...Object.keys(parts.deps ?? {})])].sort();
  for (const file of files) {
    const before = previous.deps?.[file];
    const after = parts.deps?.[file];
    if (before === after) continue;
    if (!before) reasons.push(`new source file ${file}`);
    else if (!after) reasons.push(`source file ${file} no longer used`);
    else reasons.push(`source file ${file} changed`);
  }
  if ((previous.provider ?? undefined) !== (parts.provider ?? undefined)) {
    const [before, after] = [showProvider(previous.provider), showProvider(parts.provider)];
    reasons.push(before === after ? `provider changed: the user:password@ part of ${after} is no longer in the identity` : `provider changed: ${before} -> ${after}`);
  }
  return reasons;
}
