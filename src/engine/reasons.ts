// Human sentences saying why a stage is stale, from its previous lock entry and its new key parts.
import { canonicalJson } from '../store/hash.ts';
import type { RunRecord } from '../store/state.ts';
import type { KeyParts } from './keys.ts';

/** Flattens a JSON value into dotted paths -> leaf values (arrays are leaves). */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** A value as it appears in reasons: JSON, shortened. */
function show(value: unknown): string {
  if (value === undefined) return '(unset)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `with.seed 42 -> 7` for every parameter that differs. */
export function diffParams(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const a = flatten(before, 'with', new Map());
  const b = flatten(after, 'with', new Map());
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => canonicalJson(a.get(p)) !== canonicalJson(b.get(p)))
    .map((p) => `${p} ${show(a.get(p))} -> ${show(b.get(p))}`);
}

/**
 * Why `parts` differs from the previous lock entry. `producers` maps input names to the producing stage id.
 * Empty when nothing in the key changed.
 */
export function explainChange(previous: RunRecord | undefined, parts: KeyParts, producers: Record<string, string>): string[] {
  if (!previous) return ['never run'];
  const reasons: string[] = [];
  if (previous.type !== parts.type) reasons.push(`stage type changed: ${previous.type} -> ${parts.type}`);
  if (previous.version !== parts.version) reasons.push(`stage implementation version ${previous.version} -> ${parts.version}`);
  const params = diffParams(previous.params ?? {}, parts.params);
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
    reasons.push(`provider changed: ${previous.provider ?? '(none)'} -> ${parts.provider ?? '(none)'}`);
  }
  return reasons;
}
