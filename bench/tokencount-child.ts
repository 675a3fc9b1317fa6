// Child process of the tokencheck benchmark: counts every token of a JSONL file once and prints a JSON summary.
// node bench/tokencount-child.ts tunefile FILE THREADS [STATE_DB]   (the tokencheck analysis as built in dist/, what the
//   `tunefile` bin runs; with STATE_DB, its token-count cache in that state.db, as the stage uses .tunefile/state.db)
// node bench/tokencount-child.ts tiktoken FILE MODULE_DIR (the `tiktoken` npm package, WASM, same encoding)
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readRecordBatches } from '../src/data/jsonl.ts';
import type { CountCacheStats } from '../src/stages/tokencheck/check.ts';
import { encodingNameForModel } from '../src/tokens/encoding.ts';

const MODEL = 'babbage-002';
const DIST_CHECK = new URL('../dist/stages/tokencheck/check.js', import.meta.url).href;
const DIST_STATE = new URL('../dist/store/state.js', import.meta.url).href;
const [impl, file, arg, stateDb] = process.argv.slice(2);

/** Counts with the tokencheck analysis itself (checks, classes, estimate included), with the stage's cache when given a state.db. */
async function countWithTunefile(path: string, workers: number, statePath?: string): Promise<{ examples: number; tokens: number; cache?: CountCacheStats }> {
  const { checkTokens } = (await import(DIST_CHECK)) as typeof import('../src/stages/tokencheck/check.ts');
  const { StateDb } = (await import(DIST_STATE)) as typeof import('../src/store/state.ts');
  const db = statePath ? new StateDb(statePath) : undefined;
  let cache: CountCacheStats | undefined;
  try {
    const report = await checkTokens(path, undefined, {
      model: MODEL, distinct_first_token: false, min_train_examples: 1, n_epochs: 'auto', workers,
      ...(db ? { countCache: (name: string) => db.chunks(`tokencheck:${name}`), cacheStats: (s: CountCacheStats) => void (cache = s) } : {}),
    });
    const train = report.splits.train;
    return { examples: train.examples, tokens: train.tokens.total, ...(cache ? { cache } : {}) };
  } finally {
    db?.close();
  }
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
const result = impl === 'tiktoken' ? await countWithTiktoken(file!, arg!) : await countWithTunefile(file!, Number(arg ?? 1), stateDb);
const cpu = process.cpuUsage();
console.log(JSON.stringify({ ...result, seconds: (performance.now() - t0) / 1000, cpu_s: (cpu.user + cpu.system) / 1e6 }));
