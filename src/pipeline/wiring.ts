// Input wiring: each consumed artifact comes from the nearest upstream producer, breadth-first through `needs`.
//
//   load --> dedupe --> split --> tokencheck        tokencheck's `train`: split (distance 1)
//                                                    split's `dataset`: dedupe (distance 1), not load (2)
import type { Graph } from './graph.ts';
import type { InputWire } from './types.ts';

/** Upstream ids grouped by BFS distance: [[direct needs], [their needs], ...], each id once at its nearest distance. */
export function upstreamLevels(graph: Graph, id: string): string[][] {
  const seen = new Set<string>([id]);
  const levels: string[][] = [];
  let frontier = graph.needs[id] ?? [];
  while (frontier.length > 0) {
    const level = [...new Set(frontier)].filter((up) => !seen.has(up));
    level.forEach((up) => seen.add(up));
    if (level.length > 0) levels.push(level);
    frontier = level.flatMap((up) => graph.needs[up] ?? []);
  }
  return levels;
}

/** How one input name resolved: a producer, nothing, several at the same distance, or unknowable. */
export type WireResult =
  | { kind: 'found'; wire: InputWire }
  | { kind: 'missing'; upstream: string[] }
  | { kind: 'ambiguous'; producers: string[]; distance: number }
  | { kind: 'unknown' };

/**
 * Finds the producer of `artifact` for stage `id`. `outputs[x]` is undefined when stage x's outputs
 * cannot be known (it is itself invalid); then a miss is 'unknown' rather than 'missing'.
 */
export function findProducer(graph: Graph, outputs: Record<string, string[] | undefined>, id: string, artifact: string): WireResult {
  const levels = upstreamLevels(graph, id);
  let uncertain = false;
  for (const [index, level] of levels.entries()) {
    if (level.some((up) => outputs[up] === undefined)) uncertain = true;
    const producers = level.filter((up) => outputs[up]?.includes(artifact));
    if (producers.length === 1 && !uncertain) return { kind: 'found', wire: { stage: producers[0]!, artifact } };
    if (producers.length > 1 && !uncertain) return { kind: 'ambiguous', producers, distance: index + 1 };
    if (producers.length > 0) return { kind: 'unknown' };
  }
  return uncertain ? { kind: 'unknown' } : { kind: 'missing', upstream: levels.flat() };
}

/** Parses an `inputs:` value `stage.artifact`; undefined when malformed. */
export function parseWireRef(ref: unknown): InputWire | undefined {
  if (typeof ref !== 'string') return undefined;
  const dot = ref.indexOf('.');
  if (dot <= 0 || dot === ref.length - 1) return undefined;
  return { stage: ref.slice(0, dot), artifact: ref.slice(dot + 1) };
}
