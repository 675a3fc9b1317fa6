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

/** Each stage: up-to-date | stale | never-run, with reasons. Takes no lock: answers during a run. */
export async function pipelineStatus(options: LoadPipelineOptions): Promise<StatusResult> {
  const pipeline = await loadPipeline(options);
  const planned = await planPipeline(pipeline, { env: options.env });
  return { pipeline: pipeline.relFile, stages: planned.map(({ id, type, state, reasons }) => ({ id, type, state, reasons })) };
}

export type DagFormat = 'text' | 'mermaid' | 'dot';

/** The stage graph as text (one line per edge), Mermaid or Graphviz dot, edges labelled with artifacts. */
export function renderDag(pipeline: LoadedPipeline, format: DagFormat): string {
  const graph = graphOf(pipeline);
  const edges: { from: string; to: string; label: string }[] = [];
  for (const stage of pipeline.stages) {
    for (const up of graph.needs[stage.id] ?? []) {
      const artifacts = Object.entries(stage.inputs).filter(([, w]) => w.stage === up).map(([name, w]) => (name === w.artifact ? name : `${w.artifact} as ${name}`));
      edges.push({ from: up, to: stage.id, label: artifacts.join(', ') });
    }
  }
  const label = (id: string) => `${id} (${pipeline.stages.find((s) => s.id === id)!.type})`;
  if (format === 'mermaid') {
    const lines = ['flowchart TD', ...graph.nodes.map((id) => `  ${safeId(id)}["${label(id)}"]`)];
    for (const e of edges) lines.push(`  ${safeId(e.from)} -->${e.label ? `|${e.label}|` : ''} ${safeId(e.to)}`);
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

function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, '_');
}
