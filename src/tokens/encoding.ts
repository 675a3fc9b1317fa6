// Which tokenizer a model uses, and its encoder: tiktoken's encodings for OpenAI's models (one encoder per encoding
// per thread, shared by every caller), the model's own Hugging Face tokenizer for open models (tokenizer-source.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { getBpeEncoder, type BpeEncoder } from './bpe.ts';
import { encodingNameForModel, type EncodingName } from './encoding-name.ts';
import type { HfTokenizer, HfTokenizerInfo } from './hf-tokenizer.ts';
import { findTokenizer, listTokenizerFiles, tokenizerFilesAt } from './tokenizer-source.ts';
import type { TokenizerRequest } from './tokenizer-source.ts';

export { encodingNameForModel } from './encoding-name.ts';
export type { EncodingName } from './encoding-name.ts';
export type { HfTokenizer } from './hf-tokenizer.ts';
export type { TokenizerRequest } from './tokenizer-source.ts';

/** An encoder of tiktoken's byte-level BPE: `encodeOrdinary(text)` equals js-tiktoken's `encode(text, [], [])`. */
export type Encoder = BpeEncoder;

/** What label codes need of a tokenizer, tiktoken's or a Hugging Face one: a text's ids, and ids' text. */
export type TokenEncoder = Pick<BpeEncoder, 'encodeOrdinary' | 'decode'>;

/** The encoder for an encoding name, built once per thread (the same one token counting uses). */
export function getEncoding(name: EncodingName): Promise<Encoder> {
  return getBpeEncoder(name);
}

/** The tiktoken encoder for a model name (the local server's; stages use getModelTokenizer). */
export function getEncodingForModel(model: string): Promise<Encoder> {
  return getEncoding(encodingNameForModel(model));
}

/** A Hugging Face tokenizer as reports and lock entries record it: its name, files' sha256, and where it was found. */
export interface TokenizerRecord extends HfTokenizerInfo {
  /** `path`: `tokenizer:` named it; `hf-cache`: found in the Hugging Face cache. */
  from: 'path' | 'hf-cache';
  /** The cache snapshot it was read from. */
  revision?: string;
}

/** A stage's tokenizer, loaded. */
export interface ModelTokenizer {
  /** What countTokens counts with: a tiktoken encoding's name, or the Hugging Face tokenizer. */
  counting: EncodingName | HfTokenizer;
  /** The encoding's name, or `hf:<name>`: in reports, summaries and the labels artifact. */
  encoding: string;
  /** Token ids and their text, for label codes and first tokens. */
  encoder: TokenEncoder;
  /** A Hugging Face tokenizer's record; undefined for tiktoken. */
  record?: TokenizerRecord;
}

/**
 * The tokenizer a stage counts with (tokenizer-source.ts findTokenizer): `tokenizer:`, else tiktoken for OpenAI's
 * models, else an open model's own tokenizer from the Hugging Face cache.
 * @throws TunefileError when an open model's tokenizer is nowhere; DataError when its files cannot be used
 */
export async function getModelTokenizer(req: TokenizerRequest): Promise<ModelTokenizer> {
  const source = findTokenizer(req);
  if (source.kind === 'tiktoken') return { counting: source.encoding, encoding: source.encoding, encoder: await getEncoding(source.encoding) };
  const { loadHfTokenizer } = await import('./hf-tokenizer.ts'); // only pipelines of open models load @huggingface/tokenizers
  const tokenizer = loadHfTokenizer(source.name, source.files);
  const record: TokenizerRecord = { ...tokenizer.info, from: source.from, ...(source.revision ? { revision: source.revision } : {}) };
  return { counting: tokenizer, encoding: `hf:${source.name}`, encoder: tokenizer, record };
}

/** The files `tokenizer:` names (a tokenizer.json or a model folder, relative to the pipeline's folder), for the stage key. */
export function getTokenizerFiles(tokenizer: string | undefined, pipelineDir: string): string[] {
  return tokenizer === undefined ? [] : listTokenizerFiles(tokenizerFilesAt(resolve(pipelineDir, tokenizer)));
}

/**
 * Why a cached result counted for `req` no longer holds, or undefined: the tokenizer found in the Hugging Face cache
 * is not the one `recorded` (a stage's lock `tokenizer`) names, or the result was counted with tiktoken, before open
 * models had their own tokenizer. Files named by `tokenizer:` are in the stage key instead, so they are not checked.
 */
export function findTokenizerChange(recorded: unknown, req: TokenizerRequest): string | undefined {
  let source;
  try {
    source = findTokenizer(req);
  } catch (error) {
    // Nothing to compare with: a result counted with the model's tokenizer stays; one counted with tiktoken reruns (and fails).
    return recorded === undefined ? (error as Error).message : undefined;
  }
  if (source.kind === 'tiktoken' || source.from === 'path') return undefined;
  const was = recorded as Partial<TokenizerRecord> | undefined;
  if (!was?.files) return `the cached result was counted with tiktoken; ${req.model} is now counted with its own tokenizer (${source.name})`;
  const files: Record<string, string> = {};
  for (const path of listTokenizerFiles(source.files)) files[basename(path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  if (isDeepStrictEqual(Object.entries(files).sort(), Object.entries(was.files).sort())) return undefined;
  return `the tokenizer of ${source.name} in the Hugging Face cache changed (snapshot ${was.revision ?? '?'} -> ${source.revision ?? '?'})`;
}
