// Together AI behind the provider interface, through the official together-ai SDK: files (the documented multipart
// /files/upload), fine-tunes with their events, metrics and cancel, estimate-price, and chat completions through its
// OpenAI-compatible endpoint. Together's jobs carry no metadata, so the stage key is recorded in the job's suffix as
// `tf-<first 16 hex digits of the key>` (after the user's own suffix) and found again by listing the jobs.
import { openAsBlob } from 'node:fs';
import type OpenAI from 'openai';
import type { Together } from 'together-ai';
import type { FinetuneResponse, FineTuningListResponse } from 'together-ai/resources/fine-tuning';
import { TunefileError } from '../../errors.ts';
import { keyTag, taggedSuffix, untagSuffix } from '../key-tag.ts';
import { describeModel } from '../models.ts';
import { RESULTS_HEADER, type FineTuningJob, type FineTuningJobEvent, type Provider, type ProviderIdentity, type RemoteFile, type TrainRequest } from '../types.ts';


/** Together's statuses as OpenAI's: a job that is still compressing or uploading its weights is still running. */
export const STATUS: Record<string, FineTuningJob['status']> = {
  pending: 'validating_files',
  queued: 'queued',
  running: 'running',
  compressing: 'running',
  uploading: 'running',
  cancel_requested: 'running',
  cancelled: 'cancelled',
  error: 'failed',
  user_error: 'failed',
  completed: 'succeeded',
};

type TogetherJob = FinetuneResponse | FineTuningListResponse['data'][number];

const seconds = (iso: string | null | undefined): number => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);

/** A Together job as OpenAI's job object; `key` is set when the job's suffix carries the key's tag. */
export function toOpenAiJob(job: TogetherJob, key?: string): FineTuningJob {
  const status = STATUS[String(job.status)] ?? 'running';
  const raw = job as TogetherJob & { suffix?: string; random_seed?: number | null; job_id?: string };
  const done = status === 'succeeded' || status === 'failed' || status === 'cancelled';
  return {
    object: 'fine_tuning.job',
    id: job.id ?? raw.job_id ?? '',
    model: job.model ?? '',
    created_at: seconds(job.created_at),
    finished_at: done ? seconds(job.updated_at) : null,
    fine_tuned_model: status === 'succeeded' ? (job.model_output_name ?? null) : null,
    organization_id: '',
    result_files: [],
    status,
    training_file: job.training_file ?? '',
    validation_file: job.validation_file ?? null,
    hyperparameters: { n_epochs: job.n_epochs ?? 'auto', batch_size: typeof job.batch_size === 'number' ? job.batch_size : 'auto', learning_rate_multiplier: 'auto' },
    trained_tokens: job.token_count ?? null,
    error: status === 'failed' ? { code: String(job.status), message: `Together reports the job as ${String(job.status)}`, param: null } : null,
    // Unknown (undefined) where Together's answer leaves them out: the verifier then does not compare them.
    seed: raw.random_seed ?? (undefined as unknown as number),
    ...(raw.suffix === undefined ? {} : { user_provided_suffix: untagSuffix(raw.suffix).user }),
    estimated_finish: null,
    integrations: [],
    metadata: key ? { tunefile_key: key } : null,
    method: { type: 'supervised' },
  } as FineTuningJob;
}

/** Together's create request for tunefile's; settings Together has no field for are refused. */
export function togetherRequest(request: TrainRequest): Record<string, unknown> {
  const { hyperparameters: legacy, method, metadata, suffix, seed, lora, learning_rate, n_checkpoints, packing, context_length, extra } = request;
  const h = { ...legacy, ...method?.supervised?.hyperparameters };
  const refuse = (what: string, hint: string) => new TunefileError('TUNEFILE_PROVIDER', `together: ${what}`, { hint });
  if (h.n_epochs === undefined || h.n_epochs === 'auto') {
    throw refuse('Together has no automatic epoch count', 'set train.with.n_epochs (Together\'s own default is 1); the cost estimate then counts the same epochs');
  }
  if (typeof h.learning_rate_multiplier === 'number') {
    throw refuse('Together takes an absolute learning rate, not a multiplier', 'set train.with.learning_rate (Together\'s default is 0.00001) instead of learning_rate_multiplier');
  }
  const own = Object.keys(metadata ?? {}).filter((k) => k !== 'tunefile_key');
  if (own.length > 0) throw refuse(`Together's jobs carry no metadata (${own.join(', ')})`, 'remove train.with.metadata for this provider');
  const key = metadata?.tunefile_key;
  if (!key) throw new Error('togetherRequest: the request carries no tunefile_key');
  return {
    model: request.model,
    training_file: request.training_file,
    validation_file: request.validation_file,
    n_epochs: h.n_epochs,
    batch_size: typeof h.batch_size === 'number' ? h.batch_size : 'max',
    ...(learning_rate === undefined ? {} : { learning_rate }),
    ...(seed === undefined || seed === null ? {} : { random_seed: seed }),
    suffix: taggedSuffix(suffix, key),
    ...(n_checkpoints === undefined ? {} : { n_checkpoints }),
    ...(packing === undefined ? {} : { packing }),
    ...(context_length === undefined ? {} : { max_seq_length: context_length }),
    ...(lora === undefined ? {} : { training_type: lora === false ? { type: 'Full' } : loraType(lora) }),
    // Only the answer is trained on, as OpenAI does (the document's train_on_inputs takes a boolean).
    training_method: { method: 'sft', train_on_inputs: false },
    ...extra,
  };
}

function loraType(lora: Exclude<TrainRequest['lora'], false | undefined>): Record<string, unknown> {
  const rank = lora.rank ?? 8;
  return {
    type: 'Lora',
    lora_r: rank,
    lora_alpha: lora.alpha ?? rank * 2,
    ...(lora.dropout === undefined ? {} : { lora_dropout: lora.dropout }),
    ...(lora.trainable_modules === undefined ? {} : { lora_trainable_modules: lora.trainable_modules }),
  };
}

function toRemoteFile(file: { id: string; filename?: string; bytes?: number; Processed?: boolean }): RemoteFile {
  return { id: file.id, filename: file.filename ?? '', bytes: file.bytes ?? 0, status: file.Processed === false ? 'uploaded' : 'processed' };
}

/** Together's metrics snapshots as tunefile's result CSV. */
export function metricsCsv(metrics: Array<Record<string, number>>): string {
  const rows = metrics
    .filter((m) => typeof m['train/global_step'] === 'number')
    .map((m) => [m['train/global_step'], m['train/loss'] ?? '', '', m['eval/loss'] ?? '', ''].join(','));
  return RESULTS_HEADER + rows.map((r) => `${r}\n`).join('');
}

/** A provider on a Together client (files, jobs) and an OpenAI client on Together's OpenAI-compatible base URL. */
export function togetherProvider(identity: ProviderIdentity, client: Together, inference: OpenAI): Provider {
  const waitProcessed = async (file: RemoteFile, signal?: AbortSignal): Promise<RemoteFile> => {
    for (let delay = 500; file.status !== 'processed'; delay = Math.min(delay * 2, 10_000)) {
      await new Promise((r) => setTimeout(r, delay));
      signal?.throwIfAborted();
      file = toRemoteFile(await client.files.retrieve(file.id, { signal }));
    }
    return file;
  };
  return {
    identity,
    inference,
    close: async () => {},
    // Together's own list of the models it fine-tunes.
    async models(signal) {
      const { models } = await client.get<{ models?: unknown }>('/fine-tunes/models/supported', { signal });
      return (Array.isArray(models) ? models : []).filter((m): m is string => typeof m === 'string').map(describeModel);
    },
    files: {
      retrieve: async (id, signal) => toRemoteFile(await client.files.retrieve(id, { signal })),
      async *list(signal) {
        for (const file of (await client.files.list({ signal })).data) if (file.purpose === 'fine-tune') yield toRemoteFile(file);
      },
      content: (id, signal) => client.files.content(id, { signal }),
      async upload(path, filename, signal) {
        // The documented multipart upload; the SDK's own files.upload fails under Node (see docs/contracts.md).
        const form = new FormData();
        form.set('file', await openAsBlob(path), filename);
        form.set('file_name', filename);
        form.set('purpose', 'fine-tune');
        const created = await client.post<{ id: string; filename?: string; bytes?: number; Processed?: boolean }>('/files/upload', { body: form, signal });
        return waitProcessed(toRemoteFile(created), signal);
      },
    },
    async estimatePrice(request, signal) {
      const body = togetherRequest(request);
      const answer = await client.fineTuning.estimatePrice({
        training_file: request.training_file,
        validation_file: request.validation_file,
        model: request.model,
        n_epochs: body.n_epochs as number,
        ...(body.training_type ? { training_type: body.training_type as never } : {}),
      }, { signal });
      // Together answers an estimate, or that none is available for this request.
      const price = (answer as { estimated_total_price?: unknown }).estimated_total_price;
      return typeof price === 'number' ? price : undefined;
    },
    jobs: {
      create: async (request, signal) => toOpenAiJob(await client.fineTuning.create(togetherRequest(request) as never, { signal, maxRetries: 0 }) as TogetherJob, request.metadata?.tunefile_key),
      retrieve: async (id, signal) => withError(client, toOpenAiJob(await client.fineTuning.retrieve(id, { signal })), signal),
      async *listByKey(key, signal) {
        const tag = keyTag(key);
        const listed = (await client.fineTuning.list({ signal })).data;
        for (const job of listed) if ((job as { suffix?: string }).suffix?.endsWith(tag)) yield toOpenAiJob(job, key);
      },
      cancel: async (id, signal) => toOpenAiJob(await client.fineTuning.cancel(id, { signal }) as TogetherJob),
      async latestStepEvent(id, signal) {
        const events = (await client.fineTuning.listEvents(id, { signal })).data;
        const last = [...events].reverse().find((e) => typeof e.step === 'number' && e.step > 0);
        if (!last) return undefined;
        return {
          object: 'fine_tuning.job.event',
          id: (last as { hash?: string }).hash ?? `${id}-${last.step}`,
          created_at: seconds(last.created_at),
          level: last.level === 'error' ? 'error' : last.level === 'warning' ? 'warn' : 'info',
          message: last.message ?? '',
          type: 'metrics',
          data: { step: last.step, total_steps: last.total_steps },
        } as FineTuningJobEvent;
      },
      async results(job, signal) {
        return metricsCsv((await client.fineTuning.listMetrics(job.id, {}, { signal })).metrics as Array<Record<string, number>>);
      },
    },
  };
}

/** A failed job with the message of its last error event, where Together gives one. */
async function withError(client: Together, job: FineTuningJob, signal?: AbortSignal): Promise<FineTuningJob> {
  if (job.status !== 'failed') return job;
  const events = (await client.fineTuning.listEvents(job.id, { signal }).catch(() => ({ data: [] }))).data;
  const last = [...events].reverse().find((e) => e.level === 'error' || e.type === 'job_error');
  return last?.message ? { ...job, error: { ...job.error!, message: last.message } } : job;
}
