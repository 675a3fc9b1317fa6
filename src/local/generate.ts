// Turns a trained classifier into completions: the predicted label's first tokens, and logprobs over label tokens.
import type { Encoder } from '../tokens/encoding.ts';
import { featurize, type SparseRows } from './trainer/features.ts';
import { argmax, computeProbs, type Weights } from './trainer/model.ts';
import type { ModelMeta } from './trainer/model-file.ts';

/** A model ready to answer: weights, its encoder and each class label's tokens. */
export interface LoadedModel {
  name: string;
  meta: ModelMeta;
  weights: Weights;
  encoder: Encoder;
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

/** Distinct pre-tokenizer pieces remembered per encoder; beyond this, new pieces are encoded every time. */
const MAX_CACHED_PIECES = 200_000;
const pieceCaches = new WeakMap<Encoder, { splitter: RegExp; whole: RegExp; ids: Map<string, number[]> }>();

/**
 * The prompt's tokens, exactly as `encoder.encodeOrdinary(prompt)` gives them: tiktoken encodes each piece of its
 * pre-tokenizer split on its own, so the ids of a piece seen before are looked up instead of encoded again. A piece
 * the split would not keep whole on its own (never seen so far) sends the whole text through `encode`.
 */
export function encodePrompt(model: LoadedModel, prompt: string): number[] {
  const enc = model.encoder;
  let cache = pieceCaches.get(enc);
  if (!cache) {
    const pattern = enc.patStr;
    pieceCaches.set(enc, (cache = { splitter: new RegExp(pattern, 'gu'), whole: new RegExp(pattern, 'u'), ids: new Map() }));
  }
  const tokens: number[] = [];
  const { splitter, whole, ids } = cache;
  splitter.lastIndex = 0;
  for (let m = splitter.exec(prompt); m !== null; m = splitter.exec(prompt)) {
    const piece = m[0];
    if (piece === '') return enc.encodeOrdinary(prompt); // tiktoken's patterns never match empty; never loop on one
    let pieceIds = ids.get(piece);
    if (pieceIds === undefined) {
      if (whole.exec(piece)?.[0] !== piece) return enc.encodeOrdinary(prompt);
      pieceIds = enc.encodeOrdinary(piece);
      if (ids.size < MAX_CACHED_PIECES) ids.set(piece, pieceIds);
    }
    for (let i = 0; i < pieceIds.length; i++) tokens.push(pieceIds[i]!);
  }
  return tokens;
}

/** The class probabilities for a prompt (its text, or its tokens from encodePrompt). */
export function classProbabilities(model: LoadedModel, prompt: string | number[]): Float64Array {
  const tokens = typeof prompt === 'string' ? encodePrompt(model, prompt) : prompt;
  const rows = packRow(featurize(tokens, model.meta.dim));
  const probs = new Float64Array(model.weights.numClasses);
  computeProbs(model.weights, rows, 0, probs);
  return probs;
}

/** One row in the layout packRows gives (indices ascending), with a typed sort instead of a sorted array of keys. */
function packRow(features: Map<number, number>): SparseRows {
  const idx = new Int32Array(features.size);
  let n = 0;
  for (const k of features.keys()) idx[n++] = k;
  idx.sort();
  const val = new Float32Array(n);
  for (let i = 0; i < n; i++) val[i] = features.get(idx[i]!)!;
  return { rowPtr: Int32Array.of(0, n), idx, val };
}

/**
 * The completion for a prompt (its text, or its tokens from encodePrompt): the first `maxTokens` tokens of the most
 * probable class's label, cut at a stop sequence. Each token's logprob is log P(token | tokens before it) with P
 * summed over the classes whose label starts with those tokens, so the first token's distribution is over the
 * classes' first tokens.
 */
export function generate(model: LoadedModel, prompt: string | number[], options: { maxTokens?: number; topLogprobs: number; stop?: string[] }): Generation {
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

const tokenTexts = new WeakMap<Encoder, Map<number, string>>();

/** One token's text (`encoder.decode([token])`), remembered per encoder: a model's answers use few distinct tokens. */
export function tokenText(model: LoadedModel, token: number): string {
  let texts = tokenTexts.get(model.encoder);
  if (!texts) tokenTexts.set(model.encoder, (texts = new Map()));
  let text = texts.get(token);
  if (text === undefined) {
    text = model.encoder.decode([token]);
    if (texts.size < MAX_CACHED_PIECES) texts.set(token, text);
  }
  return text;
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

/** For a prefix: the classes whose label continues it (in class order), each one's next token as a slot, and the slots' tokens. */
interface NextTokens {
  classes: number[];
  slotOfClass: number[];
  slotTokens: number[];
}

const nextTokenTables = new WeakMap<number[][], Map<string, NextTokens>>();

/** The classes that continue `prefix` and their next tokens; computed once per label set and prefix. */
function nextTokens(labels: number[][], prefix: number[]): NextTokens {
  let tables = nextTokenTables.get(labels);
  if (!tables) nextTokenTables.set(labels, (tables = new Map()));
  const key = prefix.join(',');
  let table = tables.get(key);
  if (!table) {
    table = { classes: [], slotOfClass: [], slotTokens: [] };
    const slots = new Map<number, number>();
    labels.forEach((tokens, c) => {
      if (!startsWith(tokens, prefix)) return;
      const next = tokens[prefix.length]!;
      let slot = slots.get(next);
      if (slot === undefined) {
        slots.set(next, (slot = table!.slotTokens.length));
        table!.slotTokens.push(next);
      }
      table!.classes.push(c);
      table!.slotOfClass.push(slot);
    });
    tables.set(key, table);
  }
  return table;
}

/** The next-token distribution after `prefix`, from the class probabilities; the chosen token's logprob and the top k. */
function tokenLogprob(labels: number[][], probs: Float64Array, prefix: number[], token: number, k: number): TokenLogprob {
  const { classes, slotOfClass, slotTokens } = nextTokens(labels, prefix);
  // Mass per next token, summed in class order.
  const mass = new Float64Array(slotTokens.length);
  let total = 0;
  for (let i = 0; i < classes.length; i++) {
    const p = probs[classes[i]!]!;
    mass[slotOfClass[i]!] += p;
    total += p;
  }
  const slot = slotTokens.indexOf(token);
  const logOf = (s: number): number => Math.log(Math.max(s < 0 ? 0 : mass[s]!, 1e-300) / total);
  const top = k <= 0 ? [] : slotTokens
    .map((_, s) => s)
    .sort((a, b) => mass[b]! - mass[a]! || slotTokens[a]! - slotTokens[b]!)
    .slice(0, k)
    .map((s) => ({ token: slotTokens[s]!, logprob: logOf(s) }));
  return { token, logprob: logOf(slot), top };
}
