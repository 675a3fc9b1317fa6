// `evaluate`: ask the fine-tuned model for every validation example; metrics, predictions and an HTML report.
import type { StageDef } from '../types.ts';
import { reportCopiesWork } from './report-work.ts';

/** `with:` of an evaluate stage. */
export interface EvaluateParams {
  /** Tokens to generate; classification uses at most the longest label's token count. */
  max_tokens: number;
  /** Most requests in flight at once (fewer while the provider's rate limits say so). */
  concurrency: number;
  /** Completion models: prompts per request. Default: DEFAULT_BATCH_SIZE (20). Not a schema default, so it stays out of existing keys. */
  batch_size?: number;
  /** Folder (relative to the pipeline file) that also receives report.html, metrics.json and report.md. */
  report?: string;
  /** The positive class of a binary task, for AUROC/AUPRC: one of its two labels. Default: the last label in sorted order. */
  positive?: string;
  /** How many of the most confident wrong predictions the report lists. */
  worst: number;
  /** Report title. Default: `<pipeline name>: evaluation`. */
  title?: string;
}

/** The evaluate stage type. */
export const evaluate: StageDef<EvaluateParams> = {
  type: 'evaluate',
  version: 1,
  description: 'Predict every validation example with the fine-tuned model (temperature 0, logprobs) and write predictions, metrics and a self-contained HTML report.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      max_tokens: {
        type: 'integer', minimum: 1, maximum: 4096, default: 1,
        description: "Tokens to generate per example. Classification never asks for more than the longest label's token count.",
      },
      concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 8, description: "Most requests in flight at once. Fewer while the provider's rate limits say so: evaluate paces itself by the x-ratelimit-* headers and waits out 429s (retry-after)." },
      batch_size: {
        type: 'integer', minimum: 1, maximum: 2048,
        description: 'Completion models (babbage-002, davinci-002): validation prompts sent in one request, as an array of prompts. Default 20, the most OpenAI documents per request; raise it only for servers that accept more (the local server does). Chat models always send one example per request. Predictions are the same whatever the batch size.',
      },
      report: {
        type: 'string', minLength: 1,
        description: 'Folder, relative to the pipeline file, that also receives report.html, metrics.json and report.md (a summary for pull requests). Must be inside the project unless the pipeline sets allow_outside.',
      },
      positive: { type: 'string', minLength: 1, description: 'Binary tasks: the positive class for AUROC/AUPRC, one of the two labels (checked before any request). Default: the last of the two labels in sorted order.' },
      worst: { type: 'integer', minimum: 0, maximum: 1000, default: 10, description: 'How many of the most confident wrong predictions the report lists.' },
      title: { type: 'string', minLength: 1, description: "Report title. Default: the pipeline's `name`, as '<name>: evaluation'." },
    },
  },
  inputs: () => ['job', 'valid'],
  // `model`: a self-hosted trainer's model folder (train's output), which evaluate serves; absent for hosted providers.
  optionalInputs: () => ['results', 'labels', 'files', 'model'],
  outputs: () => ['predictions', 'metrics', 'report'],
  remote: true,
  restores: true,
  restoreWork: (p, where) => reportCopiesWork(p.report, where),
  impl: () => import('./run.ts'),
};
