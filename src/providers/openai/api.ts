// Files, jobs and inference through the official openai SDK: OpenAI, Azure OpenAI, compatible servers, and the
// embedded local server, which speaks the same API.
import { createReadStream } from 'node:fs';
import type OpenAI from 'openai';
import type { JobCreateParams } from 'openai/resources/fine-tuning/jobs/jobs';
import { TunefileError } from '../../errors.ts';
import { describeModel } from '../models.ts';
import { RESULTS_HEADER, type Provider, type ProviderIdentity, type TrainRequest } from '../types.ts';

/** Maps the settings OpenAI's API has no field for onto the create request; the default refuses them. */
export type RequestMapper = (request: TrainRequest) => JobCreateParams;

/** OpenAI's create request: the fields of its API, then `extra`; settings it has no field for are refused. */
export function openAiRequest(request: TrainRequest): JobCreateParams {
  const { learning_rate, lora, n_checkpoints, packing, context_length, extra, ...params } = request;
  const unsupported = Object.entries({ learning_rate, lora, n_checkpoints, packing, context_length }).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (unsupported.length > 0) {
    throw new TunefileError('TUNEFILE_PROVIDER', `OpenAI's fine-tuning API has no ${unsupported.join(', ')} setting`, {
      hint: "OpenAI takes learning_rate_multiplier; for a compatible service with its own settings set provider.flavor (docs/providers.md), or pass a field it knows in extra:",
    });
  }
  return { ...params, ...(extra as Partial<JobCreateParams> | undefined) };
}

/** How a service with OpenAI's API differs: its create request, and the base models it fine-tunes (none known: []). */
export interface OpenAiVariant {
  toRequest?: RequestMapper;
  models?: readonly string[];
}

/** A provider on an OpenAI-compatible client. */
export function openAiProvider(identity: ProviderIdentity, client: OpenAI, close: () => Promise<void>, variant: OpenAiVariant = {}): Provider {
  const { toRequest = openAiRequest, models = [] } = variant;
  return {
    identity,
    inference: client,
    close,
    models: async () => models.map(describeModel),
    files: {
      retrieve: (id, signal) => client.files.retrieve(id, { signal }),
      list: (signal) => client.files.list({ purpose: 'fine-tune', limit: 1000 }, { signal }),
      content: (id, signal) => client.files.content(id, { signal }),
      async upload(path, filename, signal) {
        const { toFile } = await import('openai');
        const created = await client.files.create({ file: await toFile(createReadStream(path), filename), purpose: 'fine-tune' }, { signal });
        if (created.status === 'processed') return created;
        return client.files.waitForProcessing(created.id, { pollInterval: 1000, maxWait: 30 * 60 * 1000 });
      },
    },
    jobs: {
      create: (request, signal) => client.fineTuning.jobs.create(toRequest(request), { signal, maxRetries: 0 }),
      retrieve: (id, signal) => client.fineTuning.jobs.retrieve(id, { signal }),
      listByKey: (key, signal) => client.fineTuning.jobs.list({ metadata: { tunefile_key: key }, limit: 100 }, { signal }),
      cancel: (id, signal) => client.fineTuning.jobs.cancel(id, { signal }),
      async latestStepEvent(id, signal) {
        const page = await client.fineTuning.jobs.listEvents(id, { limit: 10 }, { signal });
        return page.data.find((e) => e.type === 'metrics' || /Step \d+\/\d+/.test(e.message));
      },
      // The job's result CSV (OpenAI serves it base64-encoded; the local server as text). Header only when there is none.
      async results(job, signal) {
        const id = job.result_files?.[0];
        if (!id) return RESULTS_HEADER;
        const text = (await (await client.files.content(id, { signal })).text()).trim();
        const csv = /^[A-Za-z0-9+/=\s]+$/.test(text) && !text.includes(',') ? Buffer.from(text, 'base64').toString('utf8').trim() : text;
        return csv.replace(/\r\n/g, '\n') + '\n';
      },
    },
  };
}
