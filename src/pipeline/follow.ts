// Params that follow a downstream stage's (StageDef.follows): tokencheck counts with train's epochs and upload's lines.
//
//   split --> tokencheck --> upload --> train
//                 ^            |          |
//                 +-- system, format      |
//                 +-- n_epochs -----------+
import { isDeepStrictEqual } from 'node:util';
import { downstreamOf } from './graph.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { RuleContext, StageDraft } from './rules.ts';

/** Param names the user wrote (or --set) per stage id, before schema defaults were filled in. */
export type GivenParams = Map<string, ReadonlySet<string>>;

/** The keys of every stage's `with:` as written (call before validation fills in defaults). */
export function getGivenParams(stages: [string, unknown][]): GivenParams {
  const given: GivenParams = new Map();
  for (const [id, entry] of stages) {
    const w = entry !== null && typeof entry === 'object' ? (entry as { with?: unknown }).with : undefined;
    given.set(id, new Set(w !== null && typeof w === 'object' && !Array.isArray(w) ? Object.keys(w) : []));
  }
  return given;
}

/** How a followed value reads in messages. */
function show(value: unknown): string {
  return value === undefined ? '(none)' : typeof value === 'string' && value.length > 40 ? JSON.stringify(`${value.slice(0, 37)}...`) : JSON.stringify(value);
}

/**
 * A stage's params with its `follows` resolved: each param the user left unset takes the value the downstream stages
 * of the named type agree on (left as it is when there are none, or when they disagree). A param the user set that
 * differs from a value a downstream stage's user set, and a disagreement, give a warning: pushed to `diagnostics` (for
 * `validate`) and returned (PipelineStage.warnings: the engine shows them when the stage runs).
 */
export function resolveFollows(s: StageDraft, ctx: RuleContext, given: GivenParams, diagnostics: Diagnostic[]): { params: Record<string, unknown>; warnings: string[] } {
  const follows = s.def?.follows;
  if (!follows || !s.valid) return { params: s.params, warnings: [] };
  const params = { ...s.params };
  const warnings: string[] = [];
  const below = downstreamOf(ctx.graph, [s.id]);
  const mine = given.get(s.id) ?? new Set<string>();
  for (const [name, from] of Object.entries(follows)) {
    const sources = ctx.stages.filter((d) => d.id !== s.id && below.has(d.id) && d.typeName === from.type && d.valid);
    if (sources.length === 0) continue;
    if (mine.has(name)) {
      for (const d of sources.filter((d) => given.get(d.id)?.has(from.param) && !isDeepStrictEqual(d.params[from.param], params[name]))) {
        const message = `'${s.id}' has ${name}: ${show(params[name])} but stage '${d.id}' has ${from.param}: ${show(d.params[from.param])}; '${s.id}' uses ${show(params[name])} (remove it to follow '${d.id}')`;
        warnings.push(message);
        diagnostics.push({ severity: 'warning', kind: 'rule', path: ['stages', s.id, 'with', name], message });
      }
      continue;
    }
    const values = sources.map((d) => d.params[from.param]);
    if (values.every((v) => isDeepStrictEqual(v, values[0]))) {
      if (values[0] !== undefined) params[name] = values[0]; // else nothing to follow: the stage's own default stays
      continue;
    }
    const message = `the ${from.type} stages after '${s.id}' disagree on ${from.param} (${sources.map((d, i) => `${d.id}: ${show(values[i])}`).join(', ')}); '${s.id}' uses ${name}: ${show(params[name])} (set it in '${s.id}' to choose)`;
    warnings.push(message);
    diagnostics.push({ severity: 'warning', kind: 'rule', path: ['stages', s.id], at: 'key', message });
  }
  return { params, warnings };
}
