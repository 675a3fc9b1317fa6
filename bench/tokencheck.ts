// The tokencheck benchmark: the analysis on N rows with 1 and 2 workers, and the `tiktoken` npm package on the same texts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_CACHE, ensureDataset } from './generate.ts';
import { measureCommand, median } from './measure.ts';
import type { Measurement } from './measure.ts';
import type { Timing } from './pipeline.ts';

const CHILD = fileURLToPath(new URL('./tokencount-child.ts', import.meta.url));
/** Where `npm install --prefix ~/.cache/tunefile-bench tiktoken` puts the package (never in the repo). */
export const TIKTOKEN_DIR = process.env.TUNEFILE_BENCH_TIKTOKEN ?? BENCH_CACHE;

export interface TokencheckResult {
  rows: number;
  tokens: number;
  single: Timing;
  two: Timing;
  tiktoken?: Timing;
  tiktokenMissing?: string;
}

/** Runs the child `repeat` times and checks every run counted the same tokens. */
async function runChild(args: string[], repeat: number, log: (line: string) => void, label: string): Promise<{ timing: Timing; tokens: number }> {
  const runs: Measurement[] = [];
  let tokens = -1;
  for (let i = 0; i < repeat; i++) {
    const m = await measureCommand(process.execPath, ['--disable-warning=ExperimentalWarning', CHILD, ...args]);
    const out = JSON.parse(m.stdout.trim().split('\n').pop()!) as { tokens: number };
    if (tokens >= 0 && out.tokens !== tokens) throw new Error(`${label}: token counts differ between runs`);
    tokens = out.tokens;
    runs.push(m);
    log(`  ${label}: ${m.wall_s.toFixed(2)} s, ${m.rss_mb.toFixed(0)} MB, ${out.tokens} tokens`);
  }
  return { timing: { wall_s: median(runs.map((r) => r.wall_s)), rss_mb: median(runs.map((r) => r.rss_mb)), runs: repeat }, tokens };
}

/** Counts the tokens of the N-row dataset three ways. */
export async function benchTokencheck(n: number, repeat: number, log: (line: string) => void): Promise<TokencheckResult> {
  const { path } = await ensureDataset(n);
  const single = await runChild(['tunefile', path, '1'], repeat, log, 'tokencheck, 1 thread');
  const two = await runChild(['tunefile', path, '2'], repeat, log, 'tokencheck, 2 workers');
  if (two.tokens !== single.tokens) throw new Error(`tokencheck: 2 workers counted ${two.tokens} tokens, 1 thread ${single.tokens}`);
  const result: TokencheckResult = { rows: n, tokens: single.tokens, single: single.timing, two: two.timing };
  if (!existsSync(join(TIKTOKEN_DIR, 'node_modules', 'tiktoken'))) {
    result.tiktokenMissing = `tiktoken not installed: npm install --prefix ${TIKTOKEN_DIR} tiktoken`;
    log(`  ${result.tiktokenMissing} (row skipped)`);
    return result;
  }
  const tk = await runChild(['tiktoken', path, TIKTOKEN_DIR], repeat, log, 'tiktoken (WASM)');
  if (tk.tokens !== single.tokens) log(`  note: tiktoken counted ${tk.tokens} tokens, tokencheck ${single.tokens}`);
  result.tiktoken = tk.timing;
  return result;
}
