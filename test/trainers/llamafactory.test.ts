// The real LLaMA-Factory: `llamafactory-cli train` fine-tunes the tiny Qwen3 with LoRA on CPU (sharegpt data named by
// dataset_info.json, template qwen3), dies by SIGKILL after its first checkpoint and resumes from it; then
// `llamafactory-cli api` serves the trained adapter (Hugging Face backend) for one chat completion, and stops.
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/temp.ts';
import { groupMembers, makeTinyModel, mkdirp, readTrainerState, smsChatJsonl, startGroup, trainerEnv, trainKilledAndResumed, venvBin, waitFor } from './helpers.ts';

const MAX_STEPS = 8;
const SAVE_STEPS = 2;
const TAGS = { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant', system_tag: 'system' };

let root: string;
let model: string;
const out = () => join(root, 'output');

beforeAll(() => {
  root = tempDir('tunefile-trainers-llamafactory-');
  model = makeTinyModel(join(root, 'model'));
  const data = mkdirp(join(root, 'data'));
  writeFileSync(join(data, 'train.jsonl'), smsChatJsonl(48));
  const info = { tunefile_train: { file_name: 'train.jsonl', formatting: 'sharegpt', columns: { messages: 'messages' }, tags: TAGS } };
  writeFileSync(join(data, 'dataset_info.json'), JSON.stringify(info, null, 2));
});

/** A config as tunefile renders one for `llamafactory-cli train`, shrunk to seconds on CPU. */
function trainConfig(resumeFrom?: string): Record<string, unknown> {
  return {
    model_name_or_path: model,
    stage: 'sft',
    do_train: true,
    finetuning_type: 'lora',
    lora_rank: 8,
    lora_alpha: 16,
    lora_dropout: 0.05,
    lora_target: 'q_proj,v_proj',
    template: 'qwen3',
    dataset: 'tunefile_train',
    dataset_dir: join(root, 'data'),
    tokenized_path: join(root, 'cache', `tokenized-${resumeFrom === undefined ? 1 : 2}`),
    cutoff_len: 128,
    output_dir: out(),
    max_steps: MAX_STEPS,
    per_device_train_batch_size: 4,
    learning_rate: 0.001,
    seed: 0,
    logging_steps: 1,
    save_strategy: 'steps',
    save_steps: SAVE_STEPS,
    report_to: 'none',
    use_cpu: true,
    ...(resumeFrom === undefined ? {} : { resume_from_checkpoint: resumeFrom }),
  };
}

test('llamafactory-cli train checkpoints, dies by SIGKILL after its first checkpoint, and resumes from it to the end', async () => {
  const { firstCheckpoint, resumedFrom, log } = await trainKilledAndResumed({
    command: join(venvBin('llamafactory'), 'llamafactory-cli'),
    args: (config) => ['train', config],
    writeConfig: (resumeFrom) => {
      const path = join(root, resumeFrom === undefined ? 'train.yaml' : 'train-resume.yaml');
      writeFileSync(path, stringify(trainConfig(resumeFrom)));
      return path;
    },
    outputDir: out(),
    root,
    env: trainerEnv(root),
  });
  expect(firstCheckpoint.step).toBe(SAVE_STEPS);
  expect(resumedFrom.step).toBeLessThan(MAX_STEPS);
  expect(log).toContain(`Resuming training from checkpoint with epoch 0 and global step ${resumedFrom.step}`);
  const final = readTrainerState(join(out(), 'trainer_state.json'));
  expect(final.global_step).toBe(MAX_STEPS);
  const lossSteps = final.log_history.filter((e) => e.loss !== undefined).map((e) => e.step);
  expect(lossSteps).toEqual(Array.from({ length: MAX_STEPS }, (_, i) => i + 1));
  expect(existsSync(join(out(), 'adapter_model.safetensors'))).toBe(true);
}, 600_000);

test('llamafactory-cli api serves the trained adapter on CPU, answers a chat completion, and stops with its group', async () => {
  const cli = join(venvBin('llamafactory'), 'llamafactory-cli');
  const port = await freePort();
  const serveConfig = { model_name_or_path: model, adapter_name_or_path: out(), template: 'qwen3', finetuning_type: 'lora', infer_backend: 'huggingface' };
  writeFileSync(join(root, 'serve.yaml'), stringify(serveConfig));
  const env = trainerEnv(root, { API_PORT: String(port), API_HOST: '127.0.0.1', API_MODEL_NAME: 'tunefile' });
  const server = startGroup(cli, ['api', join(root, 'serve.yaml')], { cwd: root, env, logPath: join(root, 'api.log') });
  try {
    const base = `http://127.0.0.1:${port}/v1`;
    const models = await waitFor(() => fetch(`${base}/models`).then((r) => (r.ok ? r.json() : undefined), () => undefined), {
      timeoutMs: 180_000,
      what: `${base}/models`,
      group: server,
      intervalMs: 500,
    });
    expect(models).toMatchObject({ object: 'list', data: [{ id: 'tunefile' }] });
    const response = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tunefile', messages: [{ role: 'user', content: 'WINNER!! Claim your prize now' }], max_tokens: 4, temperature: 0 }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { role: string; content: string } }[]; usage: { completion_tokens: number } };
    expect(body.choices[0].message.role).toBe('assistant');
    expect(typeof body.choices[0].message.content).toBe('string');
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
  } finally {
    await server.stop();
  }
  expect(groupMembers(server.pid)).toEqual([]);
}, 300_000);

/** A port nothing listens on now (the OS's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
