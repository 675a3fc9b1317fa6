// Base models the local server fine-tunes, and fine-tuned model names `ft:<base>:local:<suffix>:<id>`.

/** Base models accepted for fine-tuning (OpenAI's fine-tunable models and their aliases). */
export const BASE_MODELS: readonly string[] = [
  'babbage-002',
  'davinci-002',
  'gpt-3.5-turbo',
  'gpt-3.5-turbo-0125',
  'gpt-3.5-turbo-1106',
  'gpt-4o-mini',
  'gpt-4o-mini-2024-07-18',
  'gpt-4o',
  'gpt-4o-2024-08-06',
  'gpt-4.1',
  'gpt-4.1-2025-04-14',
  'gpt-4.1-mini',
  'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano',
  'gpt-4.1-nano-2025-04-14',
];

/**
 * Base models accepted on the Together API (`/together/v1/fine-tunes`): open models Together fine-tunes. The local
 * trainer treats them as it treats OpenAI's (tiktoken's o200k_base encoding, not the model's own tokenizer).
 */
export const TOGETHER_BASE_MODELS: readonly string[] = [
  'Qwen/Qwen3-8B',
  'Qwen/Qwen2.5-7B-Instruct',
  'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
  'meta-llama/Llama-3.2-3B-Instruct',
  'Qwen/Qwen3-32B',
  'meta-llama/Llama-3.3-70B-Instruct-Reference',
];

/** The organisation segment of every fine-tuned name. */
export const LOCAL_ORG = 'local';

/** The fine-tuned model name of a job: `ft:<base>:local:<suffix>:<id>`, with an empty suffix when none was given (as OpenAI does). */
export function formatModelName(base: string, suffix: string | null, jobId: string): string {
  return `ft:${base}:${LOCAL_ORG}:${suffix ?? ''}:${jobId.replace(/^ftjob-/, '')}`;
}

/** The name of a job's checkpoint model at `step`. */
export function formatCheckpointName(modelName: string, step: number): string {
  return `${modelName}:ckpt-step-${step}`;
}

/** The job id and checkpoint step a fine-tuned name refers to, or undefined for other names. */
export function parseModelName(name: string): { jobId: string; base: string; step?: number } | undefined {
  const m = /^ft:([^:]+):[^:]*:[^:]*:([A-Za-z0-9]+)(?::ckpt-step-(\d+))?$/.exec(name);
  if (!m) return undefined;
  return { base: m[1]!, jobId: `ftjob-${m[2]}`, ...(m[3] ? { step: Number(m[3]) } : {}) };
}
