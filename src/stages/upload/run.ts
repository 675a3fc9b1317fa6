// Runs `upload`: convert, then reuse the provider's copy of identical content or upload it; restore checks the files still exist.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DataError, TunefileError } from '../../errors.ts';
import { readRecords } from '../../data/jsonl.ts';
import type { FilesArtifact, UploadedFile } from '../../providers/artifacts.ts';
import { findRemoteFile, getRemoteFileName, retrieveUsableFile } from '../../providers/files.ts';
import { detectMarkers, type Conversion } from '../../tokens/format.ts';
import { getFormatForModel } from '../../tokens/model-format.ts';
import { identityString, type RemoteFile } from '../../providers/types.ts';
import type { RestoreContext, StageContext, StageResult } from '../types.ts';
import type { UploadParams } from './index.ts';
import { writeConverted } from './convert.ts';

const SPLITS = ['train', 'valid'] as const;

/** The conversion for the params and model; chat markers are detected on the training set. */
async function resolveConversion(ctx: StageContext<UploadParams>): Promise<Conversion> {
  const model = ctx.params.model ?? ctx.model;
  const format = ctx.params.format === 'auto' ? getFormatForModel(model) : ctx.params.format;
  if (ctx.params.system !== undefined && format !== 'chat') {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: 'system' applies to chat models only; ${model} is fine-tuned on prompt/completion pairs`, {
      hint: 'remove with.system, or use a chat model such as gpt-4o-mini',
    });
  }
  const markers = format === 'chat' ? await detectMarkers(readRecords(ctx.inputs.train!.path)) : { prompt_separator: '', completion_ending: '' };
  return { format, ...(ctx.params.system === undefined ? {} : { system: ctx.params.system }), ...markers };
}

/** Converts both splits and makes sure the provider holds each, uploading only what it lacks. */
export async function run(ctx: StageContext<UploadParams>): Promise<StageResult> {
  const conv = await resolveConversion(ctx);
  const provider = await ctx.provider();
  const kv = ctx.kv('files');
  const identity = identityString(provider.identity);
  const files: Partial<Record<'train' | 'valid', UploadedFile>> = {};
  const ids: Record<string, string> = {};
  const how: string[] = [];
  for (const split of SPLITS) {
    const path = join(ctx.tmpDir, `${split}.jsonl`);
    const converted = await writeConverted(ctx.inputs[split]!.path, path, conv, `${ctx.id}:${split}`);
    if (converted.rows === 0) throw new DataError(`${ctx.address}: the ${split} set is empty; there is nothing to upload`);
    const filename = getRemoteFileName(converted.hash);
    const cacheKey = `${identity}:${converted.hash}`;
    ctx.progress(`${split}: checking the provider for ${filename.slice(0, 21)}…`);
    // Reuse only what is provably ours with these bytes: an id this project recorded (state.db, then the committed
    // lock file) under this content's name and size, or a same-named file whose downloaded bytes hash the same.
    let file: RemoteFile | undefined;
    let verb = 'reused';
    for (const id of new Set([kv.get<string>(cacheKey), recordedId(ctx.previous, split)])) {
      file ??= id === undefined ? undefined : await retrieveUsableFile(provider.files, id, converted.bytes, ctx.signal, filename);
    }
    file ??= await findRemoteFile(provider.files, { filename, bytes: converted.bytes, hash: converted.hash }, ctx.signal);
    if (!file) {
      ctx.progress(`${split}: uploading ${converted.rows} rows (${converted.bytes} bytes)`);
      file = await provider.files.upload(path, filename, ctx.signal);
      verb = 'uploaded';
    }
    kv.set(cacheKey, file.id);
    files[split] = { ...converted, filename };
    ids[split] = file.id;
    how.push(`${split} ${verb} as ${file.id}`);
  }
  const artifact: FilesArtifact = { ...conv, train: files.train!, valid: files.valid!, format: conv.format };
  writeFileSync(ctx.output('files'), JSON.stringify(artifact, null, 2) + '\n');
  return { lock: { files: ids }, summary: `${conv.format}: ${how.join(', ')}` };
}

/** The file id for `split` in upload's entry of the lock file before this run, if any. */
function recordedId(previous: Record<string, unknown> | undefined, split: 'train' | 'valid'): string | undefined {
  const id = (previous?.files as Record<string, unknown> | undefined)?.[split];
  return typeof id === 'string' ? id : undefined;
}

/**
 * A cache hit is valid only while both files still exist on the provider; if one is gone, upload runs again.
 * Checked only in a run where a stage that reads the ids (train) will run.
 */
export async function restore(ctx: RestoreContext<UploadParams>): Promise<'ok' | 'stale'> {
  if (!ctx.needed) return 'ok'; // no stage of this run reads the file ids: checking would start the provider for nothing
  const ids = (ctx.lock.files ?? {}) as Record<string, string>;
  const { readJsonArtifact } = await import('../../providers/artifacts.ts');
  const artifact = readJsonArtifact<FilesArtifact>(ctx.outputs.files!.path, 'files', ['train', 'valid']);
  try {
    const provider = await ctx.provider();
    for (const split of SPLITS) {
      const id = ids[split];
      if (!id || !(await retrieveUsableFile(provider.files, id, artifact[split].bytes, ctx.signal, artifact[split].filename))) return 'stale';
    }
    return 'ok';
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.warn(`could not check the uploaded files on the provider (${(error as Error).message}); using the cached result`);
    return 'ok';
  }
}
