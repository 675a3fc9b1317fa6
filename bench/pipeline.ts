// The data-stage benchmark: the pandas workflow and `tunefile run` (cold, no-op) and `tunefile status` on N rows.
import { existsSync, linkSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_CACHE, ensureDataset } from './generate.ts';
import { measureCommand, measureRepeated } from './measure.ts';
import type { Measurement } from './measure.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(REPO, 'dist', 'cli', 'main.js');
export const PYTHON = '/usr/bin/python3';

/** The same work as bench/pandas_workflow.py: load, dedupe on prompt, suffixes, stratified 80/20 split. */
const PIPELINE = `version: 1
name: bench
model: babbage-002
stages:
  load:
    with: { path: data/rows.jsonl, prompt: prompt, completion: completion }
  dedupe:
    with: { on: prompt }
  suffix:
    with: { prompt: "\\n\\n###\\n\\n", completion: "\\n", leading_space: true }
  split:
    with: { valid: 0.2, seed: 42, stratify: true }
`;

/** Medians of one side of the comparison. */
export interface Timing {
  wall_s: number;
  rss_mb: number;
  runs: number;
}

export interface PipelineResult {
  rows: number;
  mb: number;
  pandas?: Timing;
  pandasMissing?: string;
  cold: Timing;
  /**
   * The same cold work one stage at a time (`run --stage ID` for each of the four, wall times added, the largest RSS):
   * each stage is a pass of one that reads its input file, as before the stages shared a pass.
   */
  oneByOne: Timing;
  noop: Timing;
  status: Timing;
}

/** Whether pandas and scikit-learn import under /usr/bin/python3; a message when they do not. */
export async function detectPandas(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = await measureCommand(PYTHON, ['-c', 'import pandas, sklearn'], { allowFailure: true });
  if (r.code === 0) return undefined;
  return 'pandas/scikit-learn missing: apt-get update && apt-get install -y python3-pandas python3-sklearn';
}

/** A project folder in the bench cache holding the N-row dataset and the pipeline. */
async function ensureProject(n: number): Promise<{ dir: string; data: string; mb: number }> {
  const { path, bytes } = await ensureDataset(n);
  const dir = join(BENCH_CACHE, `project-${n}`);
  mkdirSync(join(dir, '.git'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  const data = join(dir, 'data', 'rows.jsonl');
  if (!existsSync(data)) {
    try {
      linkSync(path, data);
    } catch {
      copyFileSync(path, data);
    }
  }
  writeFileSync(join(dir, 'pipeline.yaml'), PIPELINE);
  return { dir, data, mb: bytes / 1e6 };
}

/** The node flags of the CLI's shebang line, so the bench runs it exactly as the `tunefile` bin runs. */
export function readShebangFlags(file: string = CLI): string[] {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!.*?\bnode\b(.*)$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

const toTiming = (m: { wall_s: number; rss_mb: number; runs: Measurement[] }): Timing => ({ wall_s: m.wall_s, rss_mb: m.rss_mb, runs: m.runs.length });

/** Empties the project's cache and lock so the next run is cold. */
function resetProject(dir: string): void {
  rmSync(join(dir, '.tunefile'), { recursive: true, force: true });
  rmSync(join(dir, 'pipeline.lock'), { force: true });
}

/** Runs each of the pipeline's stages in its own `run --stage ID`: wall times added, the largest peak RSS. */
async function stageByStage(cli: (args: string[]) => Promise<Measurement>): Promise<Measurement> {
  const total: Measurement = { wall_s: 0, rss_mb: 0, code: 0, stdout: '', stderr: '' };
  for (const id of ['load', 'dedupe', 'suffix', 'split']) {
    const m = await cli(['run', '--stage', id]);
    if (m.code !== 0) return m;
    total.wall_s += m.wall_s;
    total.rss_mb = Math.max(total.rss_mb, m.rss_mb);
    total.stdout += m.stdout;
    total.stderr += m.stderr;
  }
  return total;
}

/** Runs the pipeline comparison on N rows, `repeat` times per side, pandas and tunefile alternating. */
export async function benchPipeline(n: number, repeat: number, options: { pandas: boolean; log(line: string): void }): Promise<PipelineResult> {
  const { dir, data, mb } = await ensureProject(n);
  const pandasMissing = options.pandas ? await detectPandas() : 'skipped (--no-pandas)';
  const flags = readShebangFlags();
  const cli = (args: string[], env: Record<string, string> = {}) =>
    measureCommand(process.execPath, [...flags, CLI, ...args], { cwd: dir, env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env } });
  const pandasRuns: Measurement[] = [];
  const coldRuns: Measurement[] = [];
  const oneByOneRuns: Measurement[] = [];
  for (let i = 0; i < repeat; i++) {
    if (!pandasMissing) {
      const out = join(dir, 'pandas-out');
      pandasRuns.push(await measureCommand(PYTHON, [join(REPO, 'bench', 'pandas_workflow.py'), data, out]));
      rmSync(out, { recursive: true, force: true });
      options.log(`  pandas        ${n} rows: ${pandasRuns.at(-1)!.wall_s.toFixed(2)} s, ${pandasRuns.at(-1)!.rss_mb.toFixed(0)} MB`);
    }
    resetProject(dir);
    coldRuns.push(await cli(['run']));
    options.log(`  tunefile run  ${n} rows (cold): ${coldRuns.at(-1)!.wall_s.toFixed(2)} s, ${coldRuns.at(-1)!.rss_mb.toFixed(0)} MB`);
    resetProject(dir);
    oneByOneRuns.push(await stageByStage(cli));
    options.log(`  tunefile run  ${n} rows (cold, stages one by one): ${oneByOneRuns.at(-1)!.wall_s.toFixed(2)} s, ${oneByOneRuns.at(-1)!.rss_mb.toFixed(0)} MB`);
  }
  // The no-op runs below need the cache of a normal run.
  resetProject(dir);
  await cli(['run']);
  // A no-op run or status takes ~0.1 s, where a noisy neighbour moves one run by 30%: more runs steady the median.
  const quickRepeat = Math.max(repeat, 9);
  const noop = await measureRepeated(quickRepeat, () => cli(['run']));
  for (const r of noop.runs) if (!/0 ran/.test(r.stdout + r.stderr)) throw new Error(`no-op run did not cache everything:\n${r.stdout}${r.stderr}`);
  options.log(`  tunefile run  ${n} rows (no-op): ${noop.wall_s.toFixed(3)} s`);
  const status = await measureRepeated(quickRepeat, () => cli(['status']));
  options.log(`  tunefile status ${n} rows: ${status.wall_s.toFixed(3)} s`);
  const med = (runs: Measurement[]) => measureRepeated(runs.length, async (i) => runs[i]!);
  return {
    rows: n, mb,
    ...(pandasMissing ? { pandasMissing } : { pandas: toTiming(await med(pandasRuns)) }),
    cold: toTiming(await med(coldRuns)), oneByOne: toTiming(await med(oneByOneRuns)), noop: toTiming(noop), status: toTiming(status),
  };
}
