// Per-model limits for fine-tuning examples.
import { getOpenModel } from './open-models.ts';

/** Longest training example (tokens) per model family, longest prefix first. */
const CONTEXT_LIMITS: [string, number][] = [
  ['gpt-3.5-turbo-0613', 4096],
  ['gpt-3.5-turbo', 16385],
  ['babbage-002', 16384],
  ['davinci-002', 16384],
  ['gpt-4o-mini', 65536],
  ['gpt-4o', 65536],
  ['gpt-4.1', 65536],
];

/** Default when a model is not in the table. */
export const DEFAULT_CONTEXT_LIMIT = 16384;

/** The maximum tokens of one training example for a model (fine-tuned names use their base; open models their context). */
export function getContextLimit(model: string): number {
  const open = getOpenModel(model);
  if (open) return open.context;
  const base = model.startsWith('ft:') ? model.split(':')[1] ?? model : model;
  for (const [prefix, limit] of CONTEXT_LIMITS) if (base.startsWith(prefix)) return limit;
  return DEFAULT_CONTEXT_LIMIT;
}
