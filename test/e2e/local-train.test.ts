// `tunefile local-train` and `tunefile serve --model` as real child processes on a Banking77 subset (8 intents, 400
// training and 160 validation rows): HF's output folder and lines, a SIGKILL during the hold after the first
// checkpoint resumed to the uninterrupted run's bytes, and the trained folder answering the openai SDK.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEncoding } from '../../src/tokens/encoding.ts';
import { REPO, runCli, startCli, type StartedCli } from '../helpers/cli.ts';
import { trainHoldAt } from '../helpers/hold.ts';
import { tempDir } from '../helpers/temp.ts';

/** Intents whose labels start with different tokens, so a one-token answer names one intent. */
const INTENTS = ['activate_my_card', 'balance_not_updated_after_bank_transfer', 'card_arrival', 'exchange_rate', 'lost_or_stolen_card', 'pin_blocked', 'top_up_failed', 'visa_or_mastercard'];
const KEY = 'sk-local-train-test';

interface Row {
  text: string;
  label: string;
}

/** The first `perIntent` rows of each intent in a Banking77 CSV (`text,category`; a quoted text may hold commas). */
function readBanking77(file: string, perIntent: number): Row[] {
  const counts = new Map<string, number>();
  const rows: Row[] = [];
  for (const line of readFileSync(join(REPO, 'test', 'data', 'banking77', file), 'utf8').split(/\r?\n/).slice(1)) {
    const comma = line.lastIndexOf(',');
    const label = line.slice(comma + 1);
    if (!INTENTS.includes(label) || (counts.get(label) ?? 0) >= perIntent) continue;
    counts.set(label, (counts.get(label) ?? 0) + 1);
    const raw = line.slice(0, comma);
    rows.push({ text: raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw, label });
  }
  return rows;
}

const chatLine = (r: Row) => JSON.stringify({ messages: [{ role: 'user', content: r.text }, { role: 'assistant', content: r.label }] });

let dir: string;
let valid: Row[];
/** The uninterrupted run's stdout. */
let straight: string;

/** A config for output folder `out` (50 steps an epoch, 3 epochs), with `extra` keys. */
function writeConfig(name: string, out: string, extra: Record<string, unknown> = {}): string {
  const config = { model_name_or_path: 'gpt-4o-mini-2024-07-18', train_file: 'train.jsonl', validation_file: 'valid.jsonl', output_dir: out, num_train_epochs: 3, per_device_train_batch_size: 8, learning_rate: 0.2, seed: 7, logging_steps: 10, ...extra };
  writeFileSync(join(dir, name), JSON.stringify(config, null, 2));
  return name;
}

const readJson = (...path: string[]) => JSON.parse(readFileSync(join(dir, ...path), 'utf8'));

beforeAll(async () => {
  dir = tempDir('tunefile-local-train-e2e-');
  const train = readBanking77('train.csv', 50);
  valid = readBanking77('test.csv', 20);
  expect([train.length, valid.length]).toEqual([400, 160]);
  writeFileSync(join(dir, 'train.jsonl'), train.map(chatLine).join('\n') + '\n');
  writeFileSync(join(dir, 'valid.jsonl'), valid.map(chatLine).join('\n') + '\n');
  const run = await runCli(['local-train', writeConfig('straight.json', 'straight')], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  straight = run.stdout;
});

describe('tunefile local-train', () => {
  it("writes HF Trainer's output folder and prints its lines", () => {
    expect(straight).toContain('***** Running training *****\n  Num examples = 400\n  Num Epochs = 3\n  Instantaneous batch size per device = 8\n  Total optimization steps = 150\n');
    expect(straight).toMatch(/^ 12%\|#2        \| 18\/150$/m);
    expect(straight).toMatch(/^\{'loss': \d+\.\d{1,4}, 'learning_rate': 0\.2, 'mean_token_accuracy': [\d.]+, 'epoch': 0\.2\}$/m);
    expect(straight).toMatch(/^\{'eval_loss': [\d.]+, 'eval_mean_token_accuracy': [\d.]+, 'epoch': 1\.0\}$/m);
    expect(straight).toMatch(/^\{'train_runtime': [\d.]+, 'train_samples_per_second': [\d.]+, 'train_steps_per_second': [\d.]+, 'train_loss': [\d.]+, 'epoch': 3\.0\}$/m);
    expect(straight.match(/^Saving model checkpoint to .*$/gm)).toEqual([50, 100, 150].map((s) => `Saving model checkpoint to ${join(dir, 'straight', `checkpoint-${s}`)}`).concat(`Saving model checkpoint to ${join(dir, 'straight')}`));
    for (const step of [50, 100, 150]) {
      for (const file of ['config.json', 'model.safetensors', 'trainer_state.json', 'training_args.json', 'training_state.bin']) expect(existsSync(join(dir, 'straight', `checkpoint-${step}`, file))).toBe(true);
      expect(readJson('straight', `checkpoint-${step}`, 'trainer_state.json')).toMatchObject({ global_step: step, max_steps: 150, num_train_epochs: 3, epoch: step / 50 });
    }
    for (const file of ['train_results.json', 'eval_results.json', 'all_results.json']) expect(existsSync(join(dir, 'straight', file))).toBe(true);
    const state = readJson('straight', 'trainer_state.json');
    expect(state).toMatchObject({ global_step: 150, max_steps: 150, num_train_epochs: 3, epoch: 3, logging_steps: 10, train_batch_size: 8, best_metric: null, best_model_checkpoint: null });
    // 15 training logs, 3 evaluations, and the summary.
    expect(state.log_history).toHaveLength(15 + 3 + 1);
    expect(state.log_history[0]).toEqual({ loss: expect.any(Number), learning_rate: 0.2, mean_token_accuracy: expect.any(Number), epoch: 0.2, step: 10 });
    expect(state.log_history[5]).toEqual({ eval_loss: expect.any(Number), eval_mean_token_accuracy: expect.any(Number), epoch: 1, step: 50 });
    expect(state.log_history.at(-1)).toMatchObject({ step: 150, epoch: 3, train_loss: expect.any(Number), train_runtime: expect.any(Number) });
    const config = readJson('straight', 'config.json');
    expect(config).toMatchObject({ model_type: 'tunefile-local-classifier', base_model: 'gpt-4o-mini-2024-07-18', tokenizer_encoding: 'o200k_base', num_labels: 8 });
    expect(Object.values(config.id2label)).toEqual([...INTENTS].sort());
  });

  it('killed (SIGKILL) while held after the first checkpoint, resumes from global step 50 to the same weights, byte for byte', async () => {
    const hold = trainHoldAt(51);
    const killed = startCli(['local-train', writeConfig('killed.json', 'resumed')], { cwd: dir, env: hold.env });
    let exited: string | undefined;
    void killed.done.then((r) => (exited = `exited ${r.code ?? r.signal}: ${r.stderr}`));
    expect(await hold.held({ gone: () => exited })).toEqual({ step: 51 });
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    expect(readJson('resumed', 'checkpoint-50', 'trainer_state.json').global_step).toBe(50);
    expect(existsSync(join(dir, 'resumed', 'checkpoint-100'))).toBe(false);

    const resumed = await runCli(['local-train', writeConfig('resume.json', 'resumed', { resume_from_checkpoint: true })], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Loading model from ${join(dir, 'resumed', 'checkpoint-50')}.`);
    expect(resumed.stdout).toContain('  Continuing training from checkpoint, will skip to saved global_step\n  Continuing training from epoch 1\n  Continuing training from global step 50\n');
    // Steps 1-50 are not run again: no progress, log or save of theirs.
    expect(resumed.stdout).not.toMatch(/\| (\d|[1-4]\d|50)\/150$/m);
    expect(resumed.stdout).not.toMatch(/'epoch': 0\.\d+\}$/m);
    expect(resumed.stdout).toMatch(/\| 51\/150$/m);
    expect(readFileSync(join(dir, 'resumed', 'model.safetensors')).equals(readFileSync(join(dir, 'straight', 'model.safetensors')))).toBe(true);
    expect(readJson('resumed', 'trainer_state.json').log_history.slice(0, -1)).toEqual(readJson('straight', 'trainer_state.json').log_history.slice(0, -1));
  });

  it('refuses an unknown key (exit 2, did-you-mean) and data that is not classification (exit 1, as the local server says)', async () => {
    const typo = await runCli(['local-train', writeConfig('typo.json', 'typo', { save_total_limt: 2 })], { cwd: dir });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: typo\.json:\d+:\d+ unknown key 'save_total_limt'; did you mean 'save_total_limit'\?$/m);
    writeFileSync(join(dir, 'open.jsonl'), Array.from({ length: 30 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, completion: ` answer ${i}` })).join('\n') + '\n');
    const open = await runCli(['local-train', writeConfig('open.json', 'open', { train_file: 'open.jsonl', validation_file: null })], { cwd: dir });
    expect(open.code).toBe(1);
    expect(open.stderr).toContain('the local trainer supports classification only, and this is not classification data: 30 distinct completions for 30 examples');
    expect(existsSync(join(dir, 'open'))).toBe(false);
  });

  it('stops on SIGTERM with exit 130, naming the newest checkpoint, and leaves only complete ones', async () => {
    const hold = trainHoldAt(101);
    const run = startCli(['local-train', writeConfig('termed.json', 'termed')], { cwd: dir, env: hold.env });
    await hold.held();
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`error: interrupted by SIGTERM before global step 101; the newest checkpoint is ${join(dir, 'termed', 'checkpoint-100')} (global step 100); rerun with resume_from_checkpoint: true to continue from it`);
    expect(readdirSync(join(dir, 'termed')).sort()).toEqual(['checkpoint-100', 'checkpoint-50']);
  });
});

describe('tunefile serve --model', () => {
  let serve: StartedCli;
  let client: OpenAI;

  beforeAll(async () => {
    serve = startCli(['serve', '--model', 'straight', '--served-model-name', 'banking-intents', '--port', '0', '--api-key', KEY], { cwd: dir });
    const [, url] = await serve.until(/listening on (http:\S+)/, 'stdout');
    client = new OpenAI({ apiKey: KEY, baseURL: url!, maxRetries: 0 });
  });

  afterAll(async () => {
    serve.child.kill('SIGINT');
    expect((await serve.done).code).toBe(130);
  });

  it('lists the name and answers chat completions with max_tokens 1 and logprobs, well above the majority class', async () => {
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['banking-intents']);
    const encoder = await getEncoding('o200k_base');
    const firstToken = (label: string) => encoder.decode(encoder.encodeOrdinary(label).slice(0, 1));
    expect(new Set(INTENTS.map(firstToken)).size).toBe(INTENTS.length);
    const answers = await Promise.all(valid.map((row) => client.chat.completions.create({
      model: 'banking-intents', messages: [{ role: 'user', content: row.text }], max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 3,
    })));
    const first = answers[0]!.choices[0]!;
    expect(first.logprobs?.content?.[0]?.top_logprobs).toHaveLength(3);
    expect(first.logprobs!.content![0]!.token).toBe(first.message.content);
    const hits = answers.filter((a, i) => a.choices[0]!.message.content === firstToken(valid[i]!.label)).length;
    // 8 intents of 20 validation rows each: the majority class is 1/8 of them.
    expect(hits / valid.length).toBeGreaterThan(0.7);
    await expect(client.chat.completions.create({ model: 'tunefile', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('serves a checkpoint folder under the default name', async () => {
    const checkpoint = startCli(['serve', '--model', join('straight', 'checkpoint-50'), '--port', '0', '--api-key', KEY], { cwd: dir });
    const [, url] = await checkpoint.until(/listening on (http:\S+)/, 'stdout');
    const own = new OpenAI({ apiKey: KEY, baseURL: url!, maxRetries: 0 });
    expect((await own.models.list()).data.map((m) => m.id)).toEqual(['tunefile']);
    const completion = await own.completions.create({ model: 'tunefile', prompt: valid[0]!.text, max_tokens: 1, logprobs: 2 });
    expect(completion.choices[0]!.logprobs?.top_logprobs?.[0]).toBeDefined();
    checkpoint.child.kill('SIGTERM');
    expect((await checkpoint.done).code).toBe(130);
  });
});
