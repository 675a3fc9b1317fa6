// Nebius Token Factory (`provider: {type: openai, flavor: nebius}`): OpenAI's fine-tuning API with Nebius's own
// hyperparameters (as its API reference documents POST /v1/fine_tuning/jobs: learning_rate, packing, context_length,
// lora, lora_r, lora_alpha, lora_dropout, in method.supervised.hyperparameters), and no metadata: the stage key goes
// in the job's suffix, and the key's jobs are found by listing, as for Together.
import type OpenAI from 'openai';
import type { JobCreateParams } from 'openai/resources/fine-tuning/jobs/jobs';
import { TunefileError } from '../../errors.ts';
import { keyTag, taggedSuffix, untagSuffix } from '../key-tag.ts';
import type { FineTuningJob, Provider, ProviderIdentity, TrainRequest } from '../types.ts';
import { openAiProvider } from './api.ts';

const refuse = (what: string, hint: string) => new TunefileError('TUNEFILE_PROVIDER', `nebius: ${what}`, { hint });

/** Nebius's create request for tunefile's; settings Nebius has no field for are refused, never dropped. */
export function nebiusRequest(request: TrainRequest): JobCreateParams {
  const { hyperparameters: legacy, method, metadata, suffix, learning_rate, lora, n_checkpoints, packing, context_length, extra, ...rest } = request;
  const h = { ...legacy, ...method?.supervised?.hyperparameters };
  if (h.n_epochs === undefined || h.n_epochs === 'auto') {
    throw refuse('Nebius has no automatic epoch count', "set train.with.n_epochs (Nebius's own default is 3); the cost estimate then counts the same epochs");
  }
  if (typeof h.learning_rate_multiplier === 'number') {
    throw refuse('Nebius takes an absolute learning rate, not a multiplier', "set train.with.learning_rate (Nebius's default is 0.00001) instead of learning_rate_multiplier");
  }
  if (n_checkpoints !== undefined) throw refuse('Nebius has no n_checkpoints setting', 'remove train.with.n_checkpoints for this provider');
  if (lora && lora.trainable_modules !== undefined) throw refuse('Nebius has no setting for the modules LoRA adapts', 'remove train.with.lora.trainable_modules for this provider');
  const own = Object.keys(metadata ?? {}).filter((k) => k !== 'tunefile_key');
  if (own.length > 0) throw refuse(`Nebius's jobs carry no metadata (${own.join(', ')})`, 'remove train.with.metadata for this provider');
  const key = metadata?.tunefile_key;
  if (!key) throw new Error('nebiusRequest: the request carries no tunefile_key');
  const hyperparameters: Record<string, unknown> = {
    n_epochs: h.n_epochs,
    ...(typeof h.batch_size === 'number' ? { batch_size: h.batch_size } : {}),
    ...(learning_rate === undefined ? {} : { learning_rate }),
    ...(packing === undefined ? {} : { packing }),
    ...(context_length === undefined ? {} : { context_length }),
    ...(lora === undefined ? {} : lora === false ? { lora: false } : {
      lora: true,
      ...(lora.rank === undefined ? {} : { lora_r: lora.rank }),
      ...(lora.alpha === undefined ? {} : { lora_alpha: lora.alpha }),
      ...(lora.dropout === undefined ? {} : { lora_dropout: lora.dropout }),
    }),
  };
  return {
    ...rest,
    suffix: taggedSuffix(suffix, key),
    method: { type: 'supervised', supervised: { hyperparameters: hyperparameters as never } },
    ...(extra as Partial<JobCreateParams> | undefined),
  };
}

/** A Nebius job with the key its suffix carries as metadata.tunefile_key, and the user's own suffix. */
export function withSuffixKey(job: FineTuningJob, key?: string): FineTuningJob {
  const suffix = suffixOf(job);
  if (typeof suffix !== 'string') return job;
  const { user, tagged } = untagSuffix(suffix);
  const found = key !== undefined && tagged && suffix.endsWith(keyTag(key));
  return { ...job, user_provided_suffix: user, metadata: found ? { ...job.metadata, tunefile_key: key } : job.metadata } as FineTuningJob;
}

/** The suffix as sent: Nebius answers it as `suffix`, OpenAI-shaped servers as `user_provided_suffix`. */
function suffixOf(job: FineTuningJob): string | null | undefined {
  const fields = job as { suffix?: string | null; user_provided_suffix?: string | null };
  return fields.suffix ?? fields.user_provided_suffix;
}

/** The openai provider on Nebius's base URL, with Nebius's request and adoption by the key in the suffix. */
export function nebiusProvider(identity: ProviderIdentity, client: OpenAI, close: () => Promise<void>): Provider {
  const base = openAiProvider(identity, client, close, { toRequest: nebiusRequest });
  return {
    ...base,
    jobs: {
      ...base.jobs,
      create: async (request, signal) => withSuffixKey(await base.jobs.create(request, signal), request.metadata?.tunefile_key),
      retrieve: async (id, signal) => withSuffixKey(await base.jobs.retrieve(id, signal)),
      cancel: async (id, signal) => withSuffixKey(await base.jobs.cancel(id, signal)),
      async *listByKey(key, signal) {
        const tag = keyTag(key);
        for await (const job of client.fineTuning.jobs.list({ limit: 100 }, { signal })) {
          if (suffixOf(job)?.endsWith(tag)) yield withSuffixKey(job, key);
        }
      },
    },
  };
}
