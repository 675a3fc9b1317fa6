// The tokencheck benchmark: the analysis (dist/, with the bin's node flags) on N rows with 1 and 2 counting threads, cold
// (empty token-count cache in a new state.db) and warm (rerun over the same texts, as after a changed split), and the
// `tiktoken` npm package on the same texts.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_CACHE, ensureDataset } from './generate.ts';
import { measureCommand, median } from './measure.ts';
import type { Measurement } from './measure.ts';
import { readShebangFlags } from './pipeline.ts';
import type { Timing } from './pipeline.ts';

const CHILD = fileURLToPath(new URL('./tokencount-child.ts', import.meta.url));
/** Where `npm install --prefix ~/.cache/tunefile-bench tiktoken` puts the package (never in the repo). */
export const TIKTOKEN_DIR = process.env.TUNEFILE_BENCH_TIKTOKEN ?? BENCH_CACHE;

export interface TokencheckResult {
  rows: number;
  tokens: number;
  /** Cold: an empty token-count cache (a new state.db per run), which the run fills. */
  single: Timing;
  two: Timing;
  /** Warm: the state.db a cold run left, every text found in it. */
  singleWarm: Timing;
  twoWarm: Timing;
  /** 1 thread with no cache at all (what the cache costs a cold run). */
  noCache: Timing;
  /** Entries the cold run stored. */
  cachedTexts: number;
  tiktoken?: Timing;
  tiktokenMissing?: string;
}

interface ChildOutput {
  tokens: number;
  seconds: number;
  cpu_s: number;
  cache?: { loaded: number; hits: number; misses: number; saved: number };
}

/** One measured run of the child, with the node flags of the `tunefile` bin (dist/ must be built). */
async function runChild(args: string[], label: string, log: (line: string) => void): Promise<{ m: Measurement; out: ChildOutput }> {
  const m = await measureCommand(process.execPath, [...readShebangFlags(), CHILD, ...args]);
  const out = JSON.parse(m.stdout.trim().split('\n').pop()!) as ChildOutput;
  const cache = out.cache ? `, cache: ${out.cache.hits} hits, ${out.cache.misses} misses, ${out.cache.saved} saved` : '';
  log(`  ${label}: ${m.wall_s.toFixed(2)} s (${out.cpu_s.toFixed(2)} s CPU), ${m.rss_mb.toFixed(0)} MB, ${out.tokens} tokens${cache}`);
  return { m, out };
}

const timing = (runs: Measurement[]): Timing => ({ wall_s: median(runs.map((r) => r.wall_s)), rss_mb: median(runs.map((r) => r.rss_mb)), runs: runs.length });

/** Counts the tokens of the N-row dataset: tunefile cold and warm with 1 and 2 threads, interleaved per round, then tiktoken. */
export async function benchTokencheck(n: number, repeat: number, log: (line: string) => void): Promise<TokencheckResult> {
  const { path } = await ensureDataset(n);
  const dir = mkdtempSync(join(tmpdir(), 'tunefile-bench-tokencheck-'));
  const runs: Record<'single' | 'two' | 'singleWarm' | 'twoWarm' | 'noCache', Measurement[]> = { single: [], two: [], singleWarm: [], twoWarm: [], noCache: [] };
  let tokens = -1;
  let cachedTexts = 0;
  const warmDb = join(dir, 'warm.db');
  const check = (label: string, out: ChildOutput) => {
    if (tokens >= 0 && out.tokens !== tokens) throw new Error(`tokencheck (${label}) counted ${out.tokens} tokens, another run ${tokens}`);
    tokens = out.tokens;
  };
  try {
    for (let round = 0; round < repeat; round++) {
      // Cold runs alternate with each other and with the warm ones, so a change in the machine's load hits every kind alike.
      for (const [key, threads, label] of [['single', 1, '1 thread, cold'], ['two', 2, '2 threads, cold']] as const) {
        const db = round === 0 && key === 'single' ? warmDb : join(dir, `cold-${round}-${threads}.db`);
        const { m, out } = await runChild(['tunefile', path, String(threads), db], `tokencheck, ${label}`, log);
        check(label, out);
        if (out.cache!.hits !== 0) throw new Error(`tokencheck (${label}): a cold run found ${out.cache!.hits} texts in a new state.db`);
        if (db === warmDb) cachedTexts = out.cache!.saved;
        runs[key].push(m);
      }
      for (const [key, threads, label] of [['singleWarm', 1, '1 thread, warm cache'], ['twoWarm', 2, '2 threads, warm cache']] as const) {
        const { m, out } = await runChild(['tunefile', path, String(threads), warmDb], `tokencheck, ${label}`, log);
        check(label, out);
        if (out.cache!.misses !== 0) throw new Error(`tokencheck (${label}): ${out.cache!.misses} texts were not in the warm cache`);
        runs[key].push(m);
      }
      const { m, out } = await runChild(['tunefile', path, '1'], 'tokencheck, 1 thread, no cache', log);
      check('no cache', out);
      runs.noCache.push(m);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const result: TokencheckResult = {
    rows: n, tokens, single: timing(runs.single), two: timing(runs.two), singleWarm: timing(runs.singleWarm), twoWarm: timing(runs.twoWarm),
    noCache: timing(runs.noCache), cachedTexts,
  };
  if (!existsSync(join(TIKTOKEN_DIR, 'node_modules', 'tiktoken'))) {
    result.tiktokenMissing = `tiktoken not installed: npm install --prefix ${TIKTOKEN_DIR} tiktoken`;
    log(`  ${result.tiktokenMissing} (row skipped)`);
    return result;
  }
  const tk: Measurement[] = [];
  for (let i = 0; i < repeat; i++) {
    const { m, out } = await runChild(['tiktoken', path, TIKTOKEN_DIR], 'tiktoken (WASM)', log);
    if (out.tokens !== tokens) log(`  note: tiktoken counted ${out.tokens} tokens, tokencheck ${tokens}`);
    tk.push(m);
  }
  result.tiktoken = timing(tk);
  return result;
}
