// Turns a trained classifier into completions: the predicted label's first tokens, and logprobs over label tokens.
import type { Tiktoken } from 'js-tiktoken/lite';
import { featurize, packRows } from './trainer/features.ts';
import { argmax, computeProbs, type Weights } from './trainer/model.ts';
import type { ModelMeta } from './trainer/model-file.ts';

/** A model ready to answer: weights, its encoder and each class label's tokens. */
export interface LoadedModel {
  name: string;
  meta: ModelMeta;
  weights: Weights;
  encoder: Tiktoken;
  labelTokens: number[][];
}

/** One generated token with its log-probability and the most likely alternatives. */
export interface TokenLogprob {
  token: number;
  logprob: number;
  top: Array<{ token: number; logprob: number }>;
}

export interface Generation {
  tokens: number[];
  text: string;
  finishReason: 'stop' | 'length';
  logprobs: TokenLogprob[];
}

/** The class probabilities for a prompt text. */
export function classProbabilities(model: LoadedModel, prompt: string): Float64Array {
  const tokens = model.encoder.encode(prompt, [], []);
  const rows = packRows([featurize(tokens, model.meta.dim)]);
  const probs = new Float64Array(model.weights.numClasses);
  computeProbs(model.weights, rows, 0, probs);
  return probs;
}

/**
 * The completion for a prompt: the first `maxTokens` tokens of the most probable class's label, cut at a stop
 * sequence. Each token's logprob is log P(token | tokens before it) with P summed over the classes whose label
 * starts with those tokens, so the first token's distribution is over the classes' first tokens.
 */
export function generate(model: LoadedModel, prompt: string, options: { maxTokens?: number; topLogprobs: number; stop?: string[] }): Generation {
  const probs = classProbabilities(model, prompt);
  const label = model.labelTokens[argmax(probs, probs.length)]!;
  let tokens = label.slice(0, options.maxTokens ?? label.length);
  let finishReason: Generation['finishReason'] = tokens.length < label.length ? 'length' : 'stop';
  let text = model.encoder.decode(tokens);
  const cut = firstStop(text, options.stop ?? []);
  if (cut !== undefined) {
    text = text.slice(0, cut);
    let kept = 0;
    while (kept < tokens.length && model.encoder.decode(tokens.slice(0, kept + 1)).length <= cut) kept++;
    tokens = tokens.slice(0, kept);
    finishReason = 'stop';
  }
  const logprobs = tokens.map((token, i) => tokenLogprob(model.labelTokens, probs, tokens.slice(0, i), token, options.topLogprobs));
  return { tokens, text, finishReason, logprobs };
}

function firstStop(text: string, stops: string[]): number | undefined {
  let best: number | undefined;
  for (const s of stops) {
    const at = s === '' ? -1 : text.indexOf(s);
    if (at >= 0 && (best === undefined || at < best)) best = at;
  }
  return best;
}

function startsWith(tokens: number[], prefix: number[]): boolean {
  if (tokens.length <= prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (tokens[i] !== prefix[i]) return false;
  return true;
}

/** The next-token distribution after `prefix`, from the class probabilities; the chosen token's logprob and the top k. */
function tokenLogprob(labels: number[][], probs: Float64Array, prefix: number[], token: number, k: number): TokenLogprob {
  const mass = new Map<number, number>();
  let total = 0;
  labels.forEach((tokens, c) => {
    if (!startsWith(tokens, prefix)) return;
    const next = tokens[prefix.length]!;
    mass.set(next, (mass.get(next) ?? 0) + probs[c]!);
    total += probs[c]!;
  });
  const logOf = (t: number): number => Math.log(Math.max(mass.get(t) ?? 0, 1e-300) / total);
  const top = [...mass.keys()]
    .sort((a, b) => mass.get(b)! - mass.get(a)! || a - b)
    .slice(0, k)
    .map((t) => ({ token: t, logprob: logOf(t) }));
  return { token, logprob: logOf(token), top };
}
