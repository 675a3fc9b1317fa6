// `tunefile status` and `tunefile dag` as functions.
import type { LoadPipelineOptions } from '../pipeline/load.ts';
import { loadPipelineCached as loadPipeline } from './pipeline-cache.ts';
import type { LoadedPipeline } from '../pipeline/types.ts';
import { graphOf } from './execute.ts';
import { planPipeline, type PlannedStage } from './plan.ts';

export interface StatusResult {
  pipeline: string;
  stages: { id: string; type: string; state: PlannedStage['state']; reasons: string[] }[];
}

/** Each stage: up-to-date | stale | never-run, with reasons. Takes no lock: answers during a run. `now`: the wall clock in ms (default Date.now). */
export async function pipelineStatus(options: LoadPipelineOptions & { now?: () => number }): Promise<StatusResult> {
  const pipeline = await loadPipeline(options);
  const planned = await planPipeline(pipeline, { env: options.env, cwd: options.cwd, now: options.now ?? Date.now });
  return { pipeline: pipeline.relFile, stages: planned.map(({ id, type, state, reasons }) => ({ id, type, state, reasons })) };
}

export type DagFormat = 'text' | 'mermaid' | 'dot';

/** The stage graph as text (one line per edge), Mermaid or Graphviz dot, edges labelled with artifacts. */
export function renderDag(pipeline: LoadedPipeline, format: DagFormat): string {
  const graph = graphOf(pipeline);
  const edges: { from: string; to: string; label: string }[] = [];
  for (const stage of pipeline.stages) {
    // An input may come from a stage further up than those it needs (evaluate's `valid`, from split or tokencheck):
    // that artifact flows along an edge of its own.
    const producers = new Set([...(graph.needs[stage.id] ?? []), ...Object.values(stage.inputs).map((w) => w.stage)]);
    for (const up of producers) {
      const artifacts = Object.entries(stage.inputs).filter(([, w]) => w.stage === up).map(([name, w]) => (name === w.artifact ? name : `${w.artifact} as ${name}`));
      edges.push({ from: up, to: stage.id, label: artifacts.join(', ') });
    }
  }
  const label = (id: string) => `${id} (${pipeline.stages.find((s) => s.id === id)!.type})`;
  if (format === 'mermaid') {
    const node = mermaidIds(graph.nodes);
    const lines = ['flowchart TD', ...graph.nodes.map((id) => `  ${node.get(id)}["${label(id)}"]`)];
    for (const e of edges) lines.push(`  ${node.get(e.from)} -->${e.label ? `|${e.label}|` : ''} ${node.get(e.to)}`);
    return lines.join('\n') + '\n';
  }
  if (format === 'dot') {
    const lines = ['digraph pipeline {', '  rankdir=TB;', ...graph.nodes.map((id) => `  "${id}" [label="${label(id)}"];`)];
    for (const e of edges) lines.push(`  "${e.from}" -> "${e.to}"${e.label ? ` [label="${e.label}"]` : ''};`);
    lines.push('}');
    return lines.join('\n') + '\n';
  }
  const lines: string[] = [];
  for (const id of graph.nodes) {
    const ins = edges.filter((e) => e.to === id);
    lines.push(ins.length === 0 ? label(id) : `${label(id)} <- ${ins.map((e) => `${e.from}${e.label ? ` [${e.label}]` : ''}`).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * A Mermaid node id per stage: `-` becomes `_`, and `_` is appended until the id is unused, so `a-b` and `a_b` stay
 * two nodes; `end` (a Mermaid keyword that breaks a flowchart) is never used.
 */
function mermaidIds(stageIds: string[]): Map<string, string> {
  const used = new Set(['end']);
  const out = new Map<string, string>();
  for (const id of stageIds) {
    let safe = id.replace(/[^A-Za-z0-9_]/g, '_');
    while (used.has(safe)) safe += '_';
    used.add(safe);
    out.set(id, safe);
  }
  return out;
}
