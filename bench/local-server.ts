// Benchmark of the local server: training throughput, completions/s with concurrent clients, Banking77 accuracy.
// Run: node bench/local-server.ts   (prints a table; benchLocalServer() returns the figures for bench/run.ts)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { toFile } from 'openai';
import { startLocalServer } from '../src/local/index.ts';

export interface LocalServerBenchOptions {
  /** Folder holding banking77/train.csv and test.csv. @default test/data */
  dataDir?: string;
  /** Epochs for the Banking77 job. @default 3 */
  epochs?: number;
  /** Concurrent clients for the completions figure. @default 16 */
  clients?: number;
  /** Completion requests in all for the completions figure. @default 2000 */
  requests?: number;
}

export interface LocalServerBenchResult {
  train_examples: number;
  test_examples: number;
  classes: number;
  epochs: number;
  /** Training examples processed per second, job creation to success (tokenizing and worker start included). */
  training_examples_per_s: number;
  /** Completions per second (one prompt per request) with `clients` concurrent clients. */
  completions_per_s: number;
  clients: number;
  /** Accuracy of the fine-tuned model on Banking77 test.csv (full label text, max_tokens 16, stop "\n"). */
  accuracy: number;
  /** Accuracy of always answering the most frequent training class. */
  majority_baseline: number;
}

/** Rows of a CSV file with a header (RFC 4180 quotes, CRLF, newlines inside quotes). */
function readCsv(path: string): Array<Record<string, string>> {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field), rows.push(row), (row = []), (field = '');
    } else field += c;
  }
  if (field !== '' || row.length > 0) row.push(field), rows.push(row);
  const [header, ...body] = rows.filter((r) => r.length > 1 || r[0] !== '');
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

const toRecord = (r: Record<string, string>) => ({ prompt: `${r.text}\n\n###\n\n`, completion: ` ${r.category}\n` });

/** Runs the benchmark on a temporary data folder and returns the figures. */
export async function benchLocalServer(options: LocalServerBenchOptions = {}): Promise<LocalServerBenchResult> {
  const dataDir = options.dataDir ?? fileURLToPath(new URL('../test/data', import.meta.url));
  const epochs = options.epochs ?? 3;
  const clients = options.clients ?? 16;
  const requests = options.requests ?? 2000;
  const train = readCsv(join(dataDir, 'banking77', 'train.csv')).map(toRecord);
  const test = readCsv(join(dataDir, 'banking77', 'test.csv')).map(toRecord);
  const folder = mkdtempSync(join(tmpdir(), 'tunefile-bench-'));
  const apiKey = 'sk-bench';
  const server = await startLocalServer({ dataDir: folder, apiKey });
  try {
    const client = new OpenAI({ apiKey, baseURL: server.url, maxRetries: 0 });
    const jsonl = train.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), 'banking77_train.jsonl'), purpose: 'fine-tune' });
    const started = performance.now();
    let job = await client.fineTuning.jobs.create({ model: 'babbage-002', training_file: file.id, seed: 1, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: epochs } } } });
    while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      await new Promise((r) => setTimeout(r, 20));
      job = await client.fineTuning.jobs.retrieve(job.id);
    }
    const trainSeconds = (performance.now() - started) / 1000;
    if (job.status !== 'succeeded') throw new Error(`benchmark job ${job.status}: ${job.error?.message}`);
    const model = job.fine_tuned_model!;

    let correct = 0;
    for (let i = 0; i < test.length; i += 200) {
      const batch = test.slice(i, i + 200);
      const out = await client.completions.create({ model, prompt: batch.map((r) => r.prompt), max_tokens: 16, temperature: 0, stop: '\n' });
      for (const c of out.choices) if (c.text === batch[c.index]!.completion.replace(/\n$/, '')) correct++;
    }
    const counts = new Map<string, number>();
    for (const r of train) counts.set(r.completion, (counts.get(r.completion) ?? 0) + 1);
    const majority = [...counts].sort((a, b) => b[1] - a[1])[0]![0];

    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < requests) {
          const r = test[next++ % test.length]!;
          await client.completions.create({ model, prompt: r.prompt, max_tokens: 1, temperature: 0, logprobs: 5 });
        }
      }),
    );
    const completionSeconds = (performance.now() - t0) / 1000;
    return {
      train_examples: train.length,
      test_examples: test.length,
      classes: counts.size,
      epochs,
      training_examples_per_s: Math.round((train.length * epochs) / trainSeconds),
      completions_per_s: Math.round(requests / completionSeconds),
      clients,
      accuracy: correct / test.length,
      majority_baseline: test.filter((r) => r.completion === majority).length / test.length,
    };
  } finally {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await benchLocalServer();
  console.log(`local server benchmark (Banking77: ${r.train_examples} train, ${r.test_examples} test, ${r.classes} classes, ${r.epochs} epochs)`);
  console.log(`  training throughput      ${r.training_examples_per_s} examples/s`);
  console.log(`  completions, ${r.clients} clients   ${r.completions_per_s} requests/s`);
  console.log(`  Banking77 test accuracy  ${r.accuracy.toFixed(4)}  (majority-class baseline ${r.majority_baseline.toFixed(4)})`);
}
