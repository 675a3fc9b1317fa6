// Finds and loads the models the server can answer with, lists them as GET /v1/models does, and deletes them.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { getEncoding } from '../tokens/encoding.ts';
import type { LoadedModel } from './generate.ts';
import { ApiError } from './http.ts';
import type { JobStore } from './job-store.ts';
import { BASE_MODELS, parseModelName } from './model-names.ts';
import { readModelFile } from './trainer/model-file.ts';

/** DELETE /models/{model}'s answer. */
export interface DeletedModel {
  id: string;
  object: 'model';
  deleted: true;
}

/** OpenAI's model object. */
export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

const CACHE_SIZE = 16;

/** Model lookup with a small cache of loaded weights. */
export class ModelRegistry {
  private readonly jobs: JobStore;
  private readonly cache = new Map<string, Promise<LoadedModel>>();

  constructor(jobs: JobStore) {
    this.jobs = jobs;
  }

  /**
   * The models completions can answer with: the fine-tuned model of every succeeded job not deleted. Base models are
   * not listed: they can be fine-tuned here but not run.
   */
  list(): ModelObject[] {
    return this.jobs
      .list()
      .filter((r) => r.job.status === 'succeeded' && r.job.fine_tuned_model && !r.modelDeleted)
      .map((r) => ({ id: r.job.fine_tuned_model!, object: 'model' as const, created: r.job.finished_at ?? r.job.created_at, owned_by: r.job.organization_id }));
  }

  /** Deletes a fine-tuned model (its weights; the job stays, its `fine_tuned_model` still names it); 404 when unknown. */
  delete(id: string): DeletedModel {
    const record = this.jobs.list().find((r) => r.job.fine_tuned_model === id && r.job.status === 'succeeded' && !r.modelDeleted);
    if (!record) throw notFound(id);
    record.modelDeleted = true;
    this.jobs.save(record);
    const path = join(this.jobs.jobDir(record.job.id), 'model.bin');
    this.cache.delete(path);
    rmSync(path, { force: true });
    return { id, object: 'model', deleted: true };
  }

  /** One model object; 404 model_not_found when unknown. */
  retrieve(id: string): ModelObject {
    const found = this.list().find((m) => m.id === id);
    if (!found && BASE_MODELS.includes(id)) {
      throw new ApiError(404, `The model \`${id}\` is a base model the local server can fine-tune but not run; it lists and serves only fine-tuned models.`, { param: 'model', code: 'model_not_found' });
    }
    if (!found) throw notFound(id);
    return found;
  }

  /** The loaded model to answer with; 404 for unknown names, 400 for base models (the local server only serves fine-tunes). */
  load(name: string): Promise<LoadedModel> {
    const path = this.resolvePath(name);
    let pending = this.cache.get(path);
    if (!pending) {
      pending = loadModel(name, path);
      pending.catch(() => this.cache.delete(path));
      this.cache.set(path, pending);
      if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    return pending;
  }

  private resolvePath(name: string): string {
    if (BASE_MODELS.includes(name)) {
      throw new ApiError(400, `The local server answers only with fine-tuned models (ft:...); ${JSON.stringify(name)} is a base model it can fine-tune but not run.`, { param: 'model', code: 'model_not_supported' });
    }
    const parsed = parseModelName(name);
    const record = parsed && this.jobs.find(parsed.jobId);
    if (parsed && !record) throw this.jobs.unreadableError(parsed.jobId) ?? notFound(name);
    if (!parsed || !record) throw notFound(name);
    const dir = this.jobs.jobDir(record.job.id);
    const succeeded = record.job.status === 'succeeded';
    if (parsed.step === undefined) {
      if (!succeeded || record.job.fine_tuned_model !== name || record.modelDeleted) throw notFound(name);
      return join(dir, 'model.bin');
    }
    const checkpoint = record.checkpoints.find((c) => c.checkpoint.fine_tuned_model_checkpoint === name);
    if (!checkpoint) throw notFound(name);
    const path = join(dir, checkpoint.file);
    if (existsSync(path)) return path;
    // Only the latest checkpoint file is kept while a job runs, and none once it succeeds: the last epoch's weights
    // are exactly model.bin's. Earlier epochs' weights are gone.
    if (succeeded && !record.modelDeleted && checkpoint === record.checkpoints.at(-1)) return join(dir, 'model.bin');
    throw new ApiError(404, `The checkpoint model \`${name}\` is no longer stored: the local server keeps only the latest checkpoint of a running job and the final model of a finished one.`, {
      param: 'model',
      code: 'model_not_found',
    });
  }
}

function notFound(name: string): ApiError {
  return new ApiError(404, `The model \`${name}\` does not exist or you do not have access to it.`, { param: 'model', code: 'model_not_found' });
}

async function loadModel(name: string, path: string): Promise<LoadedModel> {
  const { meta, weights } = readModelFile(path);
  const encoder = await getEncoding(meta.encoding);
  return { name, meta, weights, encoder, labelTokens: meta.classes.map((label) => encoder.encodeOrdinary(label)) };
}
