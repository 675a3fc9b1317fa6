// Child process of the tokencheck benchmark: counts every token of a JSONL file once and prints a JSON summary.
// node bench/tokencount-child.ts tunefile FILE WORKERS   (the tokencheck analysis, src/tokens/check.ts)
// node bench/tokencount-child.ts tiktoken FILE MODULE_DIR (the `tiktoken` npm package, WASM, same encoding)
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readRecordBatches } from '../src/data/jsonl.ts';
import { checkTokens } from '../src/tokens/check.ts';
import { encodingNameForModel } from '../src/tokens/encoding.ts';

const MODEL = 'babbage-002';
const [impl, file, arg] = process.argv.slice(2);

/** Counts with the tokencheck analysis itself (checks, classes, estimate included). */
async function countWithTunefile(path: string, workers: number): Promise<{ examples: number; tokens: number }> {
  const report = await checkTokens(path, undefined, {
    model: MODEL, distinct_first_token: false, min_train_examples: 1, n_epochs: 'auto', workers,
  });
  const train = report.splits.train;
  return { examples: train.examples, tokens: train.tokens.total };
}

/** Counts prompt and completion tokens of every record with tiktoken's WASM encoder. */
async function countWithTiktoken(path: string, moduleDir: string): Promise<{ examples: number; tokens: number }> {
  const require = createRequire(join(moduleDir, 'noop.js'));
  const { get_encoding } = require('tiktoken') as { get_encoding(name: string): { encode_ordinary(text: string): Uint32Array; free(): void } };
  const enc = get_encoding(encodingNameForModel(MODEL));
  let examples = 0;
  let tokens = 0;
  for await (const batch of readRecordBatches(path)) {
    for (const r of batch) {
      tokens += enc.encode_ordinary(r.prompt ?? '').length + enc.encode_ordinary(r.completion ?? '').length;
      examples += 1;
    }
  }
  enc.free();
  return { examples, tokens };
}

const t0 = performance.now();
const result = impl === 'tiktoken' ? await countWithTiktoken(file!, arg!) : await countWithTunefile(file!, Number(arg ?? 1));
console.log(JSON.stringify({ ...result, seconds: (performance.now() - t0) / 1000 }));
