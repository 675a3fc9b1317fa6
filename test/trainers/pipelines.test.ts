// The trainer tier (issue 19): whole `tunefile run`s with `provider: {type: trainer}` and the REAL trainers on CPU:
// TRL (`trl sft`, full fine-tune) and LLaMA-Factory (`llamafactory-cli train`, LoRA), each on a tiny random Qwen3
// with Qwen3's own tokenizer. Their dataset formats and CLIs; a SIGKILL mid-training (tunefile and the trainer's
// process group) resumed from the real checkpoint under the same job; the model folder as a cached tree; evaluation
// through LLaMA-Factory's OpenAI-compatible server (`llamafactory-cli api`, Hugging Face backend), started and
// stopped by tunefile. Accuracy does not matter with a random model; the protocol, the resume and the cleanup do.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.ts';
import { processesIn, trainerJobRecords } from '../helpers/processes.ts';
import { makeTinyModel, ROOT, venvBin } from './helpers.ts';

const CLI = join(ROOT, 'src', 'cli', 'main.ts');
/** 36 SMS messages (deduplicated to fewer): 12 for validation, 3 training steps an epoch at batch size 8. */
const ROWS = 36;

/** The environment every trainer and server needs here: no hub, no trackers, two threads. */
const OFFLINE = { HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', HF_DATASETS_OFFLINE: '1', WANDB_DISABLED: 'true', WANDB_MODE: 'disabled', DISABLE_VERSION_CHECK: '1', TOKENIZERS_PARALLELISM: 'false', OMP_NUM_THREADS: '2', PYTHONUNBUFFERED: '1' };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `tunefile ARGS` in `cwd`; `done` resolves when it exits. */
function tunefile(args: string[], cwd: string, env: Record<string, string> = {}): { pid: number; done: Promise<Run> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { pid: child.pid!, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) };
}

/** A project with the tiny model, the first ROWS SMS messages, and a pipeline on `provider`. */
function project(model: string, provider: string, train: string): string {
  const dir = tempDir('tunefile-trainer-pipeline-');
  mkdirSync(join(dir, '.git'));
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'pipelines'));
  const tsv = readFileSync(join(ROOT, 'test', 'data', 'sms-spam', 'SMSSpamCollection.tsv'), 'utf8').split('\n').slice(0, ROWS + 1).join('\n') + '\n';
  writeFileSync(join(dir, 'data', 'sms.tsv'), tsv);
  writeFileSync(join(dir, 'tunefile.config.json'), JSON.stringify({ poll: { interval_ms: 100, max_interval_ms: 500 } }));
  writeFileSync(join(dir, 'pipelines', 'sms.yaml'), `version: 1
name: sms-selfhosted
provider:
${provider}
  env: ${JSON.stringify(OFFLINE)}
  serve_env: { API_PORT: "{port}", API_MODEL_NAME: "{served_model}" }
model: ${model}
stages:
  load:
    with: { path: ../data/sms.tsv, format: tsv, quote: false, prompt: SMS, completion: Label }
  dedupe: {}
  suffix:
    with: { prompt: "", completion: "", leading_space: false }
  split:
    with: { valid: 12, seed: 1, stratify: true }
  tokencheck:
    with: { tokenizer: ${model} }
  upload:
    with: { system: "Classify the SMS as ham or spam." }
  train:
    with: ${train}
  evaluate:
    with: { max_tokens: 1, concurrency: 2 }
`);
  return dir;
}

/** Polls `check` (a file appearing, a process ending) until it answers; the interval sets only how soon. */
async function until<T>(check: () => T | undefined, what: string, gone: () => string | undefined, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    const why = gone();
    if (why !== undefined) throw new Error(`no ${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The newest complete checkpoint (its trainer_state.json written) in a run's output folder. */
function firstCheckpoint(outputDir: string): string | undefined {
  if (!existsSync(outputDir)) return undefined;
  return readdirSync(outputDir).find((n) => /^checkpoint-\d+$/.test(n) && existsSync(join(outputDir, n, 'trainer_state.json')));
}

/**
 * One trainer end to end: run, SIGKILL everything once the first checkpoint is complete, rerun (resumes under the
 * same job and evaluates through llamafactory-cli api), check nothing is left running, run again (all cached).
 */
async function selfHostedRun(dir: string): Promise<void> {
  const pipeline = 'pipelines/sms.yaml';
  const first = tunefile(['run', pipeline], dir);
  let exited: Run | undefined;
  void first.done.then((r) => (exited = r));
  const gone = () => (exited ? `tunefile exited ${exited.code}: ${exited.stderr.slice(-3000)}` : undefined);
  const job = await until(() => trainerJobRecords(dir)[0], 'training job', gone);
  const outputDir = join(dir, '.tunefile', 'trainer', job.run_dir, 'output');
  const checkpoint = await until(() => firstCheckpoint(outputDir), 'first checkpoint', gone);
  // A crash of the machine, as far as the run can tell: tunefile and the trainer's group die at once.
  const { pgid } = trainerJobRecords(dir)[0]!.launch!;
  process.kill(-pgid, 'SIGSTOP');
  process.kill(-pgid, 'SIGKILL');
  process.kill(first.pid, 'SIGKILL');
  await first.done;
  expect(existsSync(join(dir, '.tunefile', 'trainer', job.run_dir, 'exit.json')), 'the trainer finished before it was killed').toBe(false);
  await until(() => (processesIn(dir).length === 0 ? true : undefined), 'end of the killed processes', () => undefined, 30_000);

  const rerun = await tunefile(['run', pipeline, '--json'], dir).done;
  expect(rerun.code, rerun.stderr.slice(-4000)).toBe(0);
  const [record, ...others] = trainerJobRecords(dir);
  expect(others).toEqual([]); // resumed, not a second job
  expect(record!.id).toBe(job.id);
  expect(record!.attempt).toBe(2);
  expect(record!.resumed_from).toEqual([`output/${checkpoint}`]);
  const step = Number(checkpoint.slice('checkpoint-'.length));
  const log = readFileSync(join(dir, '.tunefile', 'trainer', job.run_dir, 'train.log'), 'utf8');
  expect(log).toContain(`resuming from ${join(outputDir, checkpoint)}`);
  // After the resume, the trainer's progress bar counts on from the checkpoint's step: no step up to it is redone.
  const resumed = log.slice(log.indexOf('[tunefile] the trainer')).split(/[\r\n]+/);
  // Evaluation's bars (n/2 batches) look the same: the training bar is the one counting to the most steps.
  const bars = resumed.flatMap((line) => [...line.matchAll(/\| *(\d+)\/(\d+) \[/g)].map((m) => ({ n: Number(m[1]), total: Number(m[2]) })));
  const total = Math.max(...bars.map((b) => b.total));
  const steps = bars.filter((b) => b.total === total && b.n > 0).map((b) => b.n);
  expect(steps.length).toBeGreaterThan(0);
  expect(Math.min(...steps)).toBeGreaterThan(step);
  if (/Resuming training from checkpoint/.test(log)) expect(log).toMatch(new RegExp(`Resuming training from checkpoint with epoch \\d+ and global step ${step}\\b`));
  const report = JSON.parse(rerun.stdout) as { stages: { id: string; status: string; outputs: Record<string, { tree?: boolean; path: string }> }[] };
  const train = report.stages.find((s) => s.id === 'train')!;
  expect(train.outputs.model!.tree).toBe(true);
  expect(readdirSync(train.outputs.model!.path).some((n) => n.endsWith('.safetensors'))).toBe(true);
  expect(readdirSync(train.outputs.model!.path).some((n) => n.startsWith('checkpoint-'))).toBe(false);
  const results = readFileSync(train.outputs.results!.path, 'utf8').trim().split('\n');
  expect(results[0]).toBe('step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy');
  expect(results.length).toBeGreaterThan(2);
  expect(report.stages.find((s) => s.id === 'evaluate')!.status).toBe('ran');
  const serveLogs = readdirSync(join(dir, '.tunefile', 'trainer', 'serve')).filter((n) => n.endsWith('.log'));
  expect(serveLogs.length).toBe(1);
  expect(readFileSync(join(dir, '.tunefile', 'trainer', 'serve', serveLogs[0]!), 'utf8')).toMatch(/POST \/v1\/chat\/completions HTTP\/1\.1" 200/);
  expect(processesIn(dir)).toEqual([]);

  const cached = await tunefile(['run', pipeline, '--json'], dir).done;
  expect(cached.code, cached.stderr.slice(-2000)).toBe(0);
  expect((JSON.parse(cached.stdout) as { stages: { status: string }[] }).stages.every((s) => s.status === 'cached')).toBe(true);
}

describe('tunefile run on the real trainers (CPU)', () => {
  let model: string;
  beforeAll(() => {
    model = makeTinyModel(join(tempDir('tunefile-tiny-qwen3-'), 'tiny-qwen3'));
  }, 300_000);

  it('trainer: trl (full fine-tune), evaluated through llamafactory-cli api', async () => {
    const lf = venvBin('llamafactory');
    const dir = project(model, `  type: trainer
  trainer: trl
  model: ${model}
  run: [${join(venvBin('trl'), 'trl')}, sft, --config, "{config}"]
  serve: [${join(lf, 'llamafactory-cli')}, api, --model_name_or_path, "{adapter}", --template, qwen3, --infer_backend, huggingface]`,
    '{ n_epochs: 3, batch_size: 8, lora: false, learning_rate: 0.003, context_length: 128, extra: { use_cpu: true } }');
    await selfHostedRun(dir);
  });

  it('trainer: llamafactory (LoRA), evaluated through llamafactory-cli api with its serve config', async () => {
    const lf = venvBin('llamafactory');
    const dir = project(model, `  type: trainer
  trainer: llamafactory
  model: ${model}
  run: [${join(lf, 'llamafactory-cli')}, train, "{config}"]
  serve: [${join(lf, 'llamafactory-cli')}, api, "{serve_config}"]`,
    '{ n_epochs: 3, batch_size: 8, lora: { rank: 8 }, learning_rate: 0.001, context_length: 128, extra: { use_cpu: true } }');
    await selfHostedRun(dir);
  });
});
