// JobVerifier against the real local server through the SDK: each way a job with our key can differ is caught.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallSms, startTestServer, toJsonl, upload, type TestServer } from '../../../test/local/helpers.ts';
import { openAiProvider } from '../../providers/openai/api.ts';
import type { ProviderFiles } from '../../providers/types.ts';
import { isSameModel, JobVerifier, type ExpectedJob } from './verify-job.ts';
import { tempDir } from '../../../test/helpers/temp.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('JobVerifier', () => {
  let t: TestServer;
  let train: { id: string; hash: string };
  let valid: { id: string; hash: string };
  let copyOfTrain: string;
  let expected: ExpectedJob;
  let files: ProviderFiles;

  beforeAll(async () => {
    // The verifier reads jobs, never their progress: every job holds before its first step (never released), so
    // none spends CPU training.
    t = await startTestServer({ hold: { step: 1, path: join(tempDir('tunefile-verify-'), 'never-released') } });
    files = openAiProvider({ type: 'local' }, t.client, async () => {}).files;
    const rows = smallSms(15);
    const trainText = toJsonl(rows.slice(0, 24));
    const validText = toJsonl(rows.slice(24));
    train = { id: await upload(t.client, trainText, 'train.jsonl'), hash: sha256(trainText) };
    valid = { id: await upload(t.client, validText, 'valid.jsonl'), hash: sha256(validText) };
    copyOfTrain = await upload(t.client, trainText, 'copy.jsonl');
    expected = {
      request: {
        model: 'babbage-002', training_file: train.id, validation_file: valid.id, seed: 7, suffix: 'spam',
        method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: 'auto', learning_rate_multiplier: 'auto' } } },
      },
      hashes: { train: train.hash, valid: valid.hash },
    };
  });
  afterAll(() => t.close());

  const create = (changes: Record<string, unknown>) => t.client.fineTuning.jobs.create({ ...expected.request, ...changes } as never);

  it('accepts the job it would create, and one whose files are other ids with the same bytes', async () => {
    const verifier = new JobVerifier(files, expected);
    expect(await verifier.mismatch(await create({}))).toBeUndefined();
    expect(await verifier.mismatch(await create({ training_file: copyOfTrain }))).toBeUndefined();
  });

  it('names the first difference: model, hyperparameter, seed, suffix, training or validation content', async () => {
    const verifier = new JobVerifier(files, expected);
    const hp = (n_epochs: number) => ({ method: { type: 'supervised', supervised: { hyperparameters: { n_epochs } } } });
    expect(await verifier.mismatch(await create({ model: 'davinci-002' }))).toBe('base model davinci-002, expected babbage-002');
    expect(await verifier.mismatch(await create(hp(3)))).toBe('n_epochs 3, expected 2');
    expect(await verifier.mismatch(await create({ seed: 8 }))).toBe('seed 8, expected 7');
    expect(await verifier.mismatch(await create({ suffix: 'other' }))).toBe('suffix "other", expected "spam"');
    expect(await verifier.mismatch(await create({ training_file: valid.id }))).toBe(`its training file ${valid.id} does not hold this stage's training data`);
    expect(await verifier.mismatch(await create({ validation_file: train.id }))).toBe(`its validation file ${train.id} does not hold this stage's validation data`);
  });

  it('an auto hyperparameter accepts whatever the provider chose', async () => {
    const verifier = new JobVerifier(files, expected);
    const job = await create({ method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: 5 } } } });
    expect(await verifier.mismatch(job)).toBeUndefined();
  });
});

describe('isSameModel', () => {
  it('accepts the alias and its dated snapshot only', () => {
    expect(isSameModel('gpt-4o-mini-2024-07-18', 'gpt-4o-mini')).toBe(true);
    expect(isSameModel('gpt-4o-mini', 'gpt-4o-mini')).toBe(true);
    expect(isSameModel('gpt-4o-mini-evil', 'gpt-4o-mini')).toBe(false);
    expect(isSameModel('gpt-4o', 'gpt-4o-mini')).toBe(false);
  });
});
