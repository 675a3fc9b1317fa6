// Open models tunefile knows: their Hugging Face repository (where their tokenizer.json lives) and context length.
// Their tokens are counted with that tokenizer (tokenizer-source.ts), never with tiktoken.
import { getBaseModel } from './model-format.ts';

/** An open model: the Hub repository holding its tokenizer, and the most tokens one training example may have. */
export interface OpenModel {
  /** Hugging Face repository id (`Org/Name`), as in the Hub cache's `models--Org--Name` folder. */
  repo: string;
  /** Context length in tokens: the longest training example. */
  context: number;
}

const QWEN3 = 32_768; // native context (131,072 only with YaRN scaling)
const LLAMA31 = 131_072;

/**
 * Model ids (as providers name them) -> their Hub repository and context. Together's base models
 * (src/local/model-names.ts TOGETHER_BASE_MODELS) first; Together's `-Reference` names are its own, so they map to
 * the Hub repository of the same weights.
 */
const OPEN_MODELS: Record<string, OpenModel> = {
  'Qwen/Qwen3-8B': { repo: 'Qwen/Qwen3-8B', context: QWEN3 },
  'Qwen/Qwen2.5-7B-Instruct': { repo: 'Qwen/Qwen2.5-7B-Instruct', context: 32_768 },
  'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference': { repo: 'meta-llama/Llama-3.1-8B-Instruct', context: LLAMA31 },
  'meta-llama/Llama-3.2-3B-Instruct': { repo: 'meta-llama/Llama-3.2-3B-Instruct', context: LLAMA31 },
  // Qwen3
  'Qwen/Qwen3-0.6B': { repo: 'Qwen/Qwen3-0.6B', context: QWEN3 },
  'Qwen/Qwen3-1.7B': { repo: 'Qwen/Qwen3-1.7B', context: QWEN3 },
  'Qwen/Qwen3-4B': { repo: 'Qwen/Qwen3-4B', context: QWEN3 },
  'Qwen/Qwen3-14B': { repo: 'Qwen/Qwen3-14B', context: QWEN3 },
  'Qwen/Qwen3-32B': { repo: 'Qwen/Qwen3-32B', context: QWEN3 },
  'Qwen/Qwen3-30B-A3B': { repo: 'Qwen/Qwen3-30B-A3B', context: QWEN3 },
  'Qwen/Qwen3-0.6B-Base': { repo: 'Qwen/Qwen3-0.6B-Base', context: QWEN3 },
  'Qwen/Qwen3-1.7B-Base': { repo: 'Qwen/Qwen3-1.7B-Base', context: QWEN3 },
  'Qwen/Qwen3-4B-Base': { repo: 'Qwen/Qwen3-4B-Base', context: QWEN3 },
  'Qwen/Qwen3-8B-Base': { repo: 'Qwen/Qwen3-8B-Base', context: QWEN3 },
  'Qwen/Qwen3-14B-Base': { repo: 'Qwen/Qwen3-14B-Base', context: QWEN3 },
  // Llama 3.x
  'meta-llama/Meta-Llama-3-8B-Instruct': { repo: 'meta-llama/Meta-Llama-3-8B-Instruct', context: 8_192 },
  'meta-llama/Meta-Llama-3-8B': { repo: 'meta-llama/Meta-Llama-3-8B', context: 8_192 },
  'meta-llama/Meta-Llama-3.1-8B-Instruct': { repo: 'meta-llama/Llama-3.1-8B-Instruct', context: LLAMA31 },
  'meta-llama/Meta-Llama-3.1-8B': { repo: 'meta-llama/Llama-3.1-8B', context: LLAMA31 },
  'meta-llama/Meta-Llama-3.1-8B-Reference': { repo: 'meta-llama/Llama-3.1-8B', context: LLAMA31 },
  'meta-llama/Meta-Llama-3.1-70B-Instruct-Reference': { repo: 'meta-llama/Llama-3.1-70B-Instruct', context: LLAMA31 },
  'meta-llama/Llama-3.1-8B-Instruct': { repo: 'meta-llama/Llama-3.1-8B-Instruct', context: LLAMA31 },
  'meta-llama/Llama-3.1-8B': { repo: 'meta-llama/Llama-3.1-8B', context: LLAMA31 },
  'meta-llama/Llama-3.2-1B-Instruct': { repo: 'meta-llama/Llama-3.2-1B-Instruct', context: LLAMA31 },
  'meta-llama/Llama-3.2-1B': { repo: 'meta-llama/Llama-3.2-1B', context: LLAMA31 },
  'meta-llama/Llama-3.2-3B': { repo: 'meta-llama/Llama-3.2-3B', context: LLAMA31 },
  'meta-llama/Llama-3.3-70B-Instruct': { repo: 'meta-llama/Llama-3.3-70B-Instruct', context: LLAMA31 },
  'meta-llama/Llama-3.3-70B-Instruct-Reference': { repo: 'meta-llama/Llama-3.3-70B-Instruct', context: LLAMA31 },
  // Gemma
  'google/gemma-2-2b-it': { repo: 'google/gemma-2-2b-it', context: 8_192 },
  'google/gemma-2-9b-it': { repo: 'google/gemma-2-9b-it', context: 8_192 },
  'google/gemma-2-27b-it': { repo: 'google/gemma-2-27b-it', context: 8_192 },
  'google/gemma-3-1b-it': { repo: 'google/gemma-3-1b-it', context: 32_768 },
  'google/gemma-3-4b-it': { repo: 'google/gemma-3-4b-it', context: 131_072 },
  'google/gemma-3-12b-it': { repo: 'google/gemma-3-12b-it', context: 131_072 },
  'google/gemma-3-27b-it': { repo: 'google/gemma-3-27b-it', context: 131_072 },
};

/** The open model of a base or fine-tuned model name (`ft:<base>:...` uses its base), or undefined. */
export function getOpenModel(model: string): OpenModel | undefined {
  const base = getBaseModel(model);
  return Object.hasOwn(OPEN_MODELS, base) ? OPEN_MODELS[base] : undefined;
}

/** Every model id of the table (for tests and docs). */
export function listOpenModels(): string[] {
  return Object.keys(OPEN_MODELS);
}

/**
 * True when a model is counted with its own Hugging Face tokenizer rather than tiktoken: a model of the table, or
 * any Hub-style id (`Org/Name`; OpenAI's model names never hold a `/`), except `openai/...`.
 */
export function isOpenModel(model: string): boolean {
  const base = getBaseModel(model);
  return getOpenModel(model) !== undefined || (base.includes('/') && !base.startsWith('openai/'));
}
