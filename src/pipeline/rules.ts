// Pass 2 of validation: semantic rules over the schema-valid data, each `(ctx) => void` pushing diagnostics.
import { didYouMean } from '../errors.ts';
import { STAGES } from '../stages/registry.ts';
import type { StageDef, StageFacts } from '../stages/types.ts';
import { findCycle, upstreamOf } from './graph.ts';
import type { Graph } from './graph.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { InputWire } from './types.ts';
import { findProducer, parseWireRef } from './wiring.ts';

/** One stage as the rules see it, before wiring. */
export interface StageDraft {
  id: string;
  /** `uses`, or the id when `uses` is absent. */
  typeName: string;
  hasUses: boolean;
  /** Registered stage type, when `typeName` is one. */
  def: StageDef | undefined;
  /** `needs` as written, or the previous stage in the file. */
  needs: string[];
  /** `inputs:` as written: name -> "stage.artifact". */
  overrides: Record<string, unknown>;
  params: Record<string, unknown>;
  /** No schema or interpolation error inside this stage, so its params can be trusted. */
  valid: boolean;
}

export interface RuleContext {
  stages: StageDraft[];
  byId: Map<string, StageDraft>;
  /** Known ids only; `needs` plus the producers named in `inputs:` that were not upstream yet. */
  graph: Graph;
  /** Output names per stage; undefined when they cannot be known (unknown type, invalid params). */
  outputs: Record<string, string[] | undefined>;
  /** Filled by the wiring rule. */
  wiring: Record<string, Record<string, InputWire>>;
  hasCycle: boolean;
  diagnostics: Diagnostic[];
}

export type Rule = (ctx: RuleContext) => void;

const error = (path: Diagnostic['path'], message: string, extra: Partial<Diagnostic> = {}): Diagnostic =>
  ({ severity: 'error', kind: 'rule', path, message, ...extra });

/** A stage without `uses` must be named after a stage type (a wrong `uses` is a schema error). */
export const checkStageTypes: Rule = (ctx) => {
  for (const s of ctx.stages) {
    if (s.hasUses || s.def) continue;
    const types = Object.keys(STAGES);
    const guess = didYouMean(s.id, types);
    ctx.diagnostics.push(error(['stages', s.id],
      `stage '${s.id}' has no 'uses:' and '${s.id}' is not a stage type${guess ? `; did you mean '${guess}'?` : ''} (types: ${types.join(', ')}; or add 'uses: TYPE')`,
      { at: 'key' }));
  }
};

/** Every `needs` entry names another stage of this file. */
export const checkNeeds: Rule = (ctx) => {
  for (const s of ctx.stages) {
    s.needs.forEach((up, i) => {
      const path = ['stages', s.id, 'needs', i];
      if (up === s.id) ctx.diagnostics.push(error(path, `stage '${s.id}' needs itself`));
      else if (!ctx.byId.has(up)) {
        const guess = didYouMean(up, [...ctx.byId.keys()].filter((id) => id !== s.id));
        ctx.diagnostics.push(error(path, `stage '${s.id}' needs '${up}', which is not a stage in this file${guess ? `; did you mean '${guess}'?` : ''}`));
      }
    });
  }
};

/** `inputs: { name: stage.artifact }` names a real stage and an artifact it produces. */
export const checkInputOverrides: Rule = (ctx) => {
  for (const s of ctx.stages) {
    for (const [name, ref] of Object.entries(s.overrides)) {
      const wire = parseWireRef(ref);
      if (!wire) continue;
      const path = ['stages', s.id, 'inputs', name];
      const producer = ctx.byId.get(wire.stage);
      if (wire.stage === s.id) {
        ctx.diagnostics.push(error(path, `stage '${s.id}' cannot take input '${name}' from itself`));
      } else if (!producer) {
        const guess = didYouMean(wire.stage, [...ctx.byId.keys()]);
        ctx.diagnostics.push(error(path, `input '${name}' comes from '${wire.stage}', which is not a stage in this file${guess ? `; did you mean '${guess}'?` : ''}`));
      } else {
        const produced = ctx.outputs[wire.stage];
        if (produced && !produced.includes(wire.artifact)) {
          const guess = didYouMean(wire.artifact, produced);
          ctx.diagnostics.push(error(path,
            `stage '${wire.stage}' does not produce '${wire.artifact}'${guess ? `; did you mean '${guess}'?` : ''} (it produces ${produced.join(', ') || 'nothing'})`));
        }
      }
      const uses = s.def && s.valid ? consumedNames(s) : undefined;
      if (uses && !uses.includes(name)) {
        ctx.diagnostics.push({ ...error(['stages', s.id, 'inputs', name],
          `stage type '${s.typeName}' does not use an input named '${name}' (it uses ${uses.join(', ') || 'none'})`, { at: 'key' }), severity: 'warning' });
      }
    }
  }
};

/** The stages form no cycle; one is printed as `a --> b --> a` (a feeds b, b feeds a). */
export const checkCycle: Rule = (ctx) => {
  const cycle = findCycle(ctx.graph);
  if (!cycle) return;
  ctx.hasCycle = true;
  ctx.diagnostics.push(error(['stages', cycle[0]!], `stages form a cycle: ${cycle.join(' --> ')}`, { at: 'key', kind: 'cycle' }));
};

/** Every consumed artifact has exactly one nearest upstream producer (or an `inputs:` override). */
export const wireInputs: Rule = (ctx) => {
  for (const s of ctx.stages) {
    const wiring: Record<string, InputWire> = {};
    ctx.wiring[s.id] = wiring;
    for (const [name, ref] of Object.entries(s.overrides)) {
      const wire = parseWireRef(ref);
      if (wire) wiring[name] = wire;
    }
    if (!s.def || !s.valid || ctx.hasCycle) continue;
    const optional = new Set(s.def.optionalInputs?.(s.params) ?? []);
    for (const name of consumedNames(s)) {
      if (wiring[name]) continue;
      const result = findProducer(ctx.graph, ctx.outputs, s.id, name);
      if (result.kind === 'found') wiring[name] = result.wire;
      else if (result.kind === 'ambiguous') {
        const [a, b] = result.producers;
        ctx.diagnostics.push(error(['stages', s.id],
          `stage '${s.id}' input '${name}' is ambiguous: ${result.producers.map((p) => `'${p}'`).join(' and ')} both produce it at the same distance; choose one with 'inputs: { ${name}: ${a}.${name} }' (or ${b}.${name})`,
          { at: 'key' }));
      } else if (result.kind === 'missing' && !optional.has(name)) {
        const upstream = result.upstream.length ? `upstream: ${result.upstream.join(', ')}` : "it has no upstream stages; add 'needs:'";
        ctx.diagnostics.push(error(['stages', s.id],
          `stage '${s.id}' needs artifact '${name}' but no upstream stage produces it (${upstream})`, { at: 'key' }));
      }
    }
  }
};

/** The rules, in order: later ones rely on what earlier ones found (cycle before wiring). */
export const RULES: Rule[] = [checkStageTypes, checkNeeds, checkInputOverrides, checkCycle, wireInputs];

/** Input names a stage consumes: required then optional, each once. */
export function consumedNames(s: StageDraft): string[] {
  if (!s.def) return [];
  return [...new Set([...s.def.inputs(s.params), ...(s.def.optionalInputs?.(s.params) ?? [])])];
}

/** Builds the rule context: graph over known ids, with `inputs:` producers added to `needs` when not upstream already. */
export function makeRuleContext(stages: StageDraft[], diagnostics: Diagnostic[], facts: StageFacts = {}): RuleContext {
  const byId = new Map(stages.map((s) => [s.id, s]));
  const needs: Record<string, string[]> = {};
  for (const s of stages) needs[s.id] = s.needs.filter((up) => up !== s.id && byId.has(up));
  const graph: Graph = { nodes: stages.map((s) => s.id), needs };
  for (const s of stages) {
    for (const ref of Object.values(s.overrides)) {
      const wire = parseWireRef(ref);
      if (wire && wire.stage !== s.id && byId.has(wire.stage) && !upstreamOf(graph, [s.id]).has(wire.stage)) needs[s.id]!.push(wire.stage);
    }
  }
  const outputs: Record<string, string[] | undefined> = {};
  for (const s of stages) outputs[s.id] = s.def && s.valid ? [...new Set(s.def.outputs(s.params, facts))] : undefined;
  return { stages, byId, graph, outputs, wiring: {}, hasCycle: false, diagnostics };
}
