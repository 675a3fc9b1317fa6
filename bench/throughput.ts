// Local provider throughput: the trainer on N examples x epochs (77 Banking77 intents), then evaluate's predictions/s
// through its own request code (predictAll), at its default batch size and at batch size 1, in alternating rounds.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { startLocalServer } from '../src/local/index.ts';
import { DEFAULT_BATCH_SIZE, predictAll, type Prediction } from '../src/stages/evaluate/predict.ts';
import { ensureDataset } from './generate.ts';

export interface ThroughputResult {
  examples: number;
  epochs: number;
  classes: number;
  train_s: number;
  predictions: number;
  concurrency: number;
  /** Prompts per completions request for predictions_per_s (evaluate's default). */
  batch_size: number;
  /** Median over the rounds at batch_size. */
  predictions_per_s: number;
  /** Median over the rounds at one prompt per request (evaluate before batching), same server and model. */
  predictions_per_s_batch1: number;
  /** Timed rounds per batch size. */
  rounds: number;
  /** Share of predictions whose first token starts the expected label (a sanity check, not a quality figure). */
  first_token_hits: number;
}

/** Prompt/completion records with the pipeline's suffixes, from the generated rows. */
export function readSuffixed(path: string, n: number): { prompt: string; completion: string }[] {
  const lines = readFileSync(path, 'utf8').split('\n', n);
  return lines.map((line) => {
    const r = JSON.parse(line) as { prompt: string; completion: string };
    return { prompt: `${r.prompt}\n\n###\n\n`, completion: ` ${r.completion}\n` };
  });
}

/**
 * Trains on `examples` rows for `epochs` through the local server, then times `predictions` evaluate predictions per
 * round, `rounds` rounds at evaluate's default batch size alternating with rounds at batch size 1 (medians).
 */
export async function benchThroughput(o: { examples: number; epochs: number; predictions: number; concurrency: number; batchSize?: number; rounds?: number }): Promise<ThroughputResult> {
  const batchSize = o.batchSize ?? DEFAULT_BATCH_SIZE;
  const rounds = Math.max(1, o.rounds ?? 3);
  const { path } = await ensureDataset(o.examples);
  const records = readSuffixed(path, o.examples);
  const folder = mkdtempSync(join(tmpdir(), 'tunefile-bench-'));
  const server = await startLocalServer({ dataDir: folder, apiKey: 'sk-bench' });
  try {
    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: server.url, maxRetries: 0 });
    const { job, seconds: trainSeconds } = await trainOnLocal(client, records, o.epochs);
    // Every timed round asks about its own prompts, so no round meets prompts the server has answered before.
    const sets = Array.from({ length: 2 * rounds }, (_, set) => Array.from({ length: o.predictions }, (_, i) => records[((set * o.predictions + i) * 7919) % records.length]!));
    const asRequests = (rows: typeof records) => rows.map((r) => ({ kind: 'completion' as const, prompt: r.prompt, display: r.prompt, answer: r.completion }));
    const controller = new AbortController();
    const options = { model: job.fine_tuned_model!, maxTokens: 1, stop: '\n', topLogprobs: 5, signal: controller.signal, concurrency: o.concurrency };
    // One untimed request loads the model, so neither batch size pays for it.
    await predictAll(client, asRequests([records[(2 * rounds * o.predictions * 7919) % records.length]!]), { ...options, batchSize: 1 });
    const time = async (set: number, size: number): Promise<{ perSecond: number; predictions: Prediction[] }> => {
      const t0 = performance.now();
      const predictions = await predictAll(client, asRequests(sets[set]!), { ...options, batchSize: size });
      return { perSecond: o.predictions / ((performance.now() - t0) / 1000), predictions };
    };
    const batched: { perSecond: number; predictions: Prediction[] }[] = [];
    const single: { perSecond: number; predictions: Prediction[] }[] = [];
    for (let round = 0; round < rounds; round++) {
      batched.push(await time(2 * round, batchSize));
      single.push(await time(2 * round + 1, 1));
    }
    // Untimed: the first round's prompts at the other batch size give the same predictions.
    for (const [set, size, timed] of [[0, 1, batched[0]!], [1, batchSize, single[0]!]] as const) {
      if (JSON.stringify((await time(set, size)).predictions) !== JSON.stringify(timed.predictions)) throw new Error(`evaluate's predictions differ between batch sizes ${batchSize} and 1`);
    }
    const first = sets[0]!;
    const hits = batched[0]!.predictions.filter((p, i) => p.text.length > 0 && first[i]!.completion.startsWith(p.text)).length;
    return {
      examples: records.length, epochs: o.epochs, classes: new Set(records.map((r) => r.completion)).size,
      train_s: trainSeconds, predictions: o.predictions, concurrency: o.concurrency, batch_size: batchSize,
      predictions_per_s: median(batched.map((r) => r.perSecond)), predictions_per_s_batch1: median(single.map((r) => r.perSecond)), rounds,
      first_token_hits: hits / o.predictions,
    };
  } finally {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Fine-tunes babbage-002 on `records` through the local server; the job and the seconds from upload's end to success. */
export async function trainOnLocal(client: OpenAI, records: { prompt: string; completion: string }[], epochs: number): Promise<{ job: OpenAI.FineTuning.FineTuningJob; seconds: number }> {
  const jsonl = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), 'bench_train.jsonl'), purpose: 'fine-tune' });
  const started = performance.now();
  let job = await client.fineTuning.jobs.create({
    model: 'babbage-002', training_file: file.id, seed: 1,
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: epochs } } },
  });
  while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
    await new Promise((r) => setTimeout(r, 50));
    job = await client.fineTuning.jobs.retrieve(job.id);
  }
  if (job.status !== 'succeeded') throw new Error(`trainer benchmark job ${job.status}: ${job.error?.message}`);
  return { job, seconds: (performance.now() - started) / 1000 };
}

/** The median of `values`. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
