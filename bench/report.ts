// The benchmark table: rows with targets and verdicts, as plain text for the terminal and Markdown for BENCHMARKS.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { PipelineResult } from './pipeline.ts';
import type { ThroughputResult } from './throughput.ts';
import type { TokencheckResult } from './tokencheck.ts';
import type { LocalServerBenchResult } from './local-server.ts';
import type { RateLimitBenchResult } from './rate-limit.ts';

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  pipeline?: PipelineResult;
  scaling?: { small: PipelineResult; large: PipelineResult };
  tokencheck?: TokencheckResult;
  throughput?: ThroughputResult;
  server?: LocalServerBenchResult;
  rateLimit?: RateLimitBenchResult;
  notes: string[];
}

/** One table row: what, target, measured, and whether the target is met (undefined: no target). */
export interface TableRow {
  what: string;
  target: string;
  measured: string;
  ok?: boolean;
}

const s = (x: number) => `${x < 1 ? x.toFixed(3) : x.toFixed(2)} s`;
const mb = (x: number) => `${Math.round(x)} MB`;
const rows = (n: number) => n.toLocaleString('en-US');
const x = (r: number) => `${r.toFixed(2)}×`;

/** The table rows for the results that are present. */
export function buildRows(r: BenchResults): TableRow[] {
  const out: TableRow[] = [];
  const p = r.pipeline;
  if (p) {
    const what = `load → dedupe → suffix → split, ${rows(p.rows)} rows (${p.mb.toFixed(0)} MB)`;
    if (p.pandas) {
      out.push({ what: `${what}: pandas workflow`, target: '(baseline)', measured: `${s(p.pandas.wall_s)}, ${mb(p.pandas.rss_mb)}` });
      const wall = p.cold.wall_s / p.pandas.wall_s;
      out.push({ what: `${what}: tunefile run (cold)`, target: '≤ 0.5× pandas wall, ≤ 300 MB', measured: `${s(p.cold.wall_s)} (${x(wall)}), ${mb(p.cold.rss_mb)} (${x(p.cold.rss_mb / p.pandas.rss_mb)})`, ok: wall <= 0.5 && p.cold.rss_mb <= 300 });
    } else {
      out.push({ what: `${what}: tunefile run (cold)`, target: '≤ 300 MB (pandas row skipped)', measured: `${s(p.cold.wall_s)}, ${mb(p.cold.rss_mb)}`, ok: p.cold.rss_mb <= 300 });
    }
    if (p.oneByOne) {
      const vs = p.pandas ? ` (${x(p.oneByOne.wall_s / p.pandas.wall_s)} of pandas)` : '';
      out.push({ what: 'the same, one stage at a time (`run --stage ID` for each: every stage reads its input file)', target: '(no shared pass)', measured: `${s(p.oneByOne.wall_s)}${vs}, ${mb(p.oneByOne.rss_mb)}; one pass: ${x(p.cold.wall_s / p.oneByOne.wall_s)} of it` });
    }
    const share = p.noop.wall_s / p.cold.wall_s;
    out.push({ what: 'no-op `tunefile run` (everything cached)', target: '≤ 300 ms and ≤ 3% of cold', measured: `${s(p.noop.wall_s)} (${(share * 100).toFixed(1)}% of cold; ${p.noop.runs} runs), ${mb(p.noop.rss_mb)}`, ok: p.noop.wall_s <= 0.3 && share <= 0.03 });
    out.push({ what: '`tunefile status` on the same', target: '≤ 300 ms', measured: `${s(p.status.wall_s)} (${p.status.runs} runs), ${mb(p.status.rss_mb)}`, ok: p.status.wall_s <= 0.3 });
  }
  if (r.scaling) {
    const { small, large } = r.scaling;
    const g = large.cold.rss_mb / small.cold.rss_mb;
    out.push({ what: `peak RSS of those stages, ${rows(small.rows)} → ${rows(large.rows)} rows`, target: '< 1.5×', measured: `${mb(small.cold.rss_mb)} → ${mb(large.cold.rss_mb)} (${x(g)})`, ok: g < 1.5 });
  }
  const t = r.tokencheck;
  if (t) {
    const speedup = t.single.wall_s / t.two.wall_s;
    out.push({ what: `tokencheck, ${rows(t.rows)} rows (${rows(t.tokens)} tokens): 1 thread, cold (empty token-count cache)`, target: '(baseline)', measured: `${s(t.single.wall_s)}, ${mb(t.single.rss_mb)}` });
    out.push({ what: 'tokencheck, 2 threads, cold', target: '≥ 1.7× 1 thread', measured: `${s(t.two.wall_s)} (${x(speedup)}), ${mb(t.two.rss_mb)}`, ok: speedup >= 1.7 });
    out.push({ what: `tokencheck rerun over the same texts (a changed split), warm cache (${rows(t.cachedTexts)} texts): 1 thread`, target: '', measured: `${s(t.singleWarm.wall_s)} (${x(t.singleWarm.wall_s / t.single.wall_s)} of cold), ${mb(t.singleWarm.rss_mb)}` });
    out.push({ what: 'tokencheck rerun, warm cache: 2 threads', target: '', measured: `${s(t.twoWarm.wall_s)} (${x(t.twoWarm.wall_s / t.two.wall_s)} of cold), ${mb(t.twoWarm.rss_mb)}` });
    out.push({ what: 'tokencheck, 1 thread, without the cache', target: '', measured: `${s(t.noCache.wall_s)} (cold with the cache: ${x(t.single.wall_s / t.noCache.wall_s)} of it), ${mb(t.noCache.rss_mb)}` });
    if (t.tiktoken) {
      out.push({ what: '`tiktoken` npm package (WASM), same texts, 1 thread', target: 'slower than tokencheck, 2 threads', measured: `${s(t.tiktoken.wall_s)} (tokencheck 2 threads, cold: ${x(t.two.wall_s / t.tiktoken.wall_s)} of it)`, ok: t.two.wall_s < t.tiktoken.wall_s });
    } else out.push({ what: '`tiktoken` npm package (WASM)', target: 'slower than tokencheck, 2 threads', measured: `skipped: ${t.tiktokenMissing}` });
  }
  const th = r.throughput;
  if (th) {
    out.push({ what: `local trainer, ${rows(th.examples)} examples × ${th.epochs} epochs, ${th.classes} classes`, target: '≤ 30 s', measured: s(th.train_s), ok: th.train_s <= 30 });
    const perS = (v: number) => `${Math.round(v).toLocaleString('en-US')}/s`;
    out.push({
      what: `evaluate against the local server (${rows(th.predictions)} predictions, concurrency ${th.concurrency}, ${th.batch_size} prompts per request)`, target: '≥ 1,000 predictions/s',
      measured: `${perS(th.predictions_per_s)} (1 prompt per request: ${perS(th.predictions_per_s_batch1)})`, ok: th.predictions_per_s >= 1000,
    });
  }
  const sv = r.server;
  if (sv) {
    out.push({ what: `local server, Banking77 (${rows(sv.train_examples)} × ${sv.epochs} epochs): training`, target: '(bench/local-server.ts)', measured: `${rows(sv.training_examples_per_s)} examples/s` });
    out.push({ what: `local server: completions, ${sv.clients} clients, one prompt each`, target: '', measured: `${rows(sv.completions_per_s)} requests/s` });
    out.push({ what: 'local server: Banking77 test accuracy', target: `> majority ${sv.majority_baseline.toFixed(3)}`, measured: sv.accuracy.toFixed(4), ok: sv.accuracy > sv.majority_baseline });
  }
  const rl = r.rateLimit;
  if (rl) {
    for (const c of [rl.rpm, rl.tpm]) {
      const unit = c.limit === 'requests' ? 'RPM' : 'TPM';
      const perRequest = c.batch_size === 1 ? 'one prompt' : `${c.batch_size} prompts`;
      out.push({
        what: `evaluate under an emulated ${rows(c.per_minute)} ${unit} limit, from a spent budget (${rows(c.predictions)} predictions, ${perRequest} per request, concurrency ${rl.concurrency}, ${s(c.seconds)})`,
        target: '≥ 0.90 of the limit, < 1% 429s',
        measured: `${c.ratio.toFixed(3)} of the limit, ${(c.share_429 * 100).toFixed(2)}% 429s (${c.count_429} of ${rows(c.responses)} responses in ${c.rounds} run(s))`,
        ok: c.ratio >= 0.9 && c.share_429 < 0.01,
      });
    }
  }
  return out;
}

const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : 'MISSED');

/** The table as aligned plain text. */
export function formatText(table: TableRow[]): string {
  const cells = [['what', 'target', 'measured (median)', ''], ...table.map((r) => [r.what, r.target, r.measured, verdict(r.ok)])];
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((v, i) => (i < 3 ? v.padEnd(widths[i]!) : v)).join('  ').trimEnd()).join('\n');
}

/** The table as Markdown. */
export function formatMarkdown(table: TableRow[]): string {
  const esc = (v: string) => v.replace(/\|/g, '\\|');
  return ['| what | target | measured (median) | |', '| --- | --- | --- | --- |', ...table.map((r) => `| ${esc(r.what)} | ${esc(r.target)} | ${esc(r.measured)} | ${verdict(r.ok)} |`)].join('\n');
}

/** The machine the numbers come from. */
export function describeMachine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version}, ${process.platform} ${process.arch}`;
}

const BEGIN = '<!-- bench:begin (written by `npm run bench -- --write`) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated section of BENCHMARKS.md (or creates the file), keeping the hand-written rest. */
export function writeBenchmarksFile(path: string, section: string): void {
  const block = `${BEGIN}\n${section.trim()}\n${END}`;
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\n';
  const a = old.indexOf(BEGIN);
  const b = old.indexOf(END);
  const next = a >= 0 && b > a ? old.slice(0, a) + block + old.slice(b + END.length) : `${old.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}
