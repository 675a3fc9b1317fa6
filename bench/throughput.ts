// Local provider throughput: the trainer on N examples x epochs (77 Banking77 intents), then evaluate's predictions/s.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { startLocalServer } from '../src/local/index.ts';
import { mapWithConcurrency, predictOne } from '../src/stages/evaluate/predict.ts';
import { ensureDataset } from './generate.ts';

export interface ThroughputResult {
  examples: number;
  epochs: number;
  classes: number;
  train_s: number;
  predictions: number;
  concurrency: number;
  predictions_per_s: number;
  /** Share of predictions whose first token starts the expected label (a sanity check, not a quality figure). */
  first_token_hits: number;
}

/** Prompt/completion records with the pipeline's suffixes, from the generated rows. */
function readSuffixed(path: string, n: number): { prompt: string; completion: string }[] {
  const lines = readFileSync(path, 'utf8').split('\n', n);
  return lines.map((line) => {
    const r = JSON.parse(line) as { prompt: string; completion: string };
    return { prompt: `${r.prompt}\n\n###\n\n`, completion: ` ${r.completion}\n` };
  });
}

/** Trains on `examples` rows for `epochs` through the local server, then times `predictions` evaluate calls. */
export async function benchThroughput(o: { examples: number; epochs: number; predictions: number; concurrency: number }): Promise<ThroughputResult> {
  const { path } = await ensureDataset(o.examples);
  const records = readSuffixed(path, o.examples);
  const folder = mkdtempSync(join(tmpdir(), 'tunefile-bench-'));
  const server = await startLocalServer({ dataDir: folder, apiKey: 'sk-bench' });
  try {
    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: server.url, maxRetries: 0 });
    const jsonl = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), 'bench_train.jsonl'), purpose: 'fine-tune' });
    const started = performance.now();
    let job = await client.fineTuning.jobs.create({
      model: 'babbage-002', training_file: file.id, seed: 1,
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: o.epochs } } },
    });
    while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      await new Promise((r) => setTimeout(r, 50));
      job = await client.fineTuning.jobs.retrieve(job.id);
    }
    const trainSeconds = (performance.now() - started) / 1000;
    if (job.status !== 'succeeded') throw new Error(`trainer benchmark job ${job.status}: ${job.error?.message}`);
    const valid = Array.from({ length: o.predictions }, (_, i) => records[(i * 7919) % records.length]!);
    const controller = new AbortController();
    const t0 = performance.now();
    const predictions = await mapWithConcurrency(valid, o.concurrency, (r) =>
      predictOne(client, { kind: 'completion', prompt: r.prompt, display: r.prompt, answer: r.completion }, {
        model: job.fine_tuned_model!, maxTokens: 1, stop: '\n', topLogprobs: 5, signal: controller.signal,
      }));
    const predictSeconds = (performance.now() - t0) / 1000;
    const hits = predictions.filter((p, i) => p.text.length > 0 && valid[i]!.completion.startsWith(p.text)).length;
    return {
      examples: records.length, epochs: o.epochs, classes: new Set(records.map((r) => r.completion)).size,
      train_s: trainSeconds, predictions: valid.length, concurrency: o.concurrency,
      predictions_per_s: valid.length / predictSeconds, first_token_hits: hits / valid.length,
    };
  } finally {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
