// `npm run bench`: tunefile against the pandas workflow and its own targets; prints a table, `--write` updates BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeRssMethod } from './measure.ts';
import { benchPipeline } from './pipeline.ts';
import { buildRows, describeMachine, formatMarkdown, formatText, writeBenchmarksFile } from './report.ts';
import type { BenchResults } from './report.ts';
import { benchThroughput } from './throughput.ts';
import { benchTokencheck } from './tokencheck.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SECTIONS = ['pipeline', 'scaling', 'tokencheck', 'trainer', 'server', 'ratelimit'] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `usage: npm run bench -- [options]
  --rows N            rows for the pipeline and tokencheck benchmarks (default 1000000)
  --scale-rows M      smaller row count for the memory-growth row (default rows/10)
  --repeat K          runs per measurement; medians are reported (default 3)
  --only A,B          sections: ${SECTIONS.join(', ')} (default all)
  --train-examples N  trainer examples (default 100000), --epochs E (default 3)
  --predictions N     evaluate predictions (default 2000), --concurrency C (default 8, evaluate's default)
  --limit-seconds S   ratelimit: length of each run under an emulated limit (default 30; 600 RPM, then 40000 TPM)
  --no-pandas         skip the pandas workflow
  --no-build          do not rebuild dist/ first
  --write [FILE]      write the table into BENCHMARKS.md (or FILE)
  --json              print the raw results as JSON after the table`;

/** Parses the command line into options. */
function readOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '1000000' }, 'scale-rows': { type: 'string' }, repeat: { type: 'string', default: '3' },
      only: { type: 'string' }, 'train-examples': { type: 'string', default: '100000' }, epochs: { type: 'string', default: '3' },
      predictions: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '8' }, 'limit-seconds': { type: 'string', default: '30' },
      'no-pandas': { type: 'boolean' }, 'no-build': { type: 'boolean' }, write: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const int = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${v}`);
    return n;
  };
  const only = (values.only ?? SECTIONS.join(',')).split(',').map((x) => x.trim()) as Section[];
  for (const o of only) if (!SECTIONS.includes(o)) throw new Error(`--only: unknown section '${o}' (known: ${SECTIONS.join(', ')})`);
  const rows = int('rows', values.rows);
  return {
    help: values.help === true, rows, scaleRows: int('scale-rows', values['scale-rows'] ?? String(Math.round(rows / 10))),
    repeat: Math.max(1, int('repeat', values.repeat)), only: new Set(only), pandas: !values['no-pandas'], build: !values['no-build'],
    trainExamples: int('train-examples', values['train-examples']), epochs: int('epochs', values.epochs),
    predictions: int('predictions', values.predictions), concurrency: Math.max(1, int('concurrency', values.concurrency)),
    limitSeconds: Math.max(1, int('limit-seconds', values['limit-seconds'])),
    write: values.write ? join(REPO, 'BENCHMARKS.md') : undefined, json: values.json === true,
  };
}

/** Runs the selected sections and returns their results. */
export async function runBench(argv: string[], log: (line: string) => void = console.error): Promise<{ results: BenchResults; text: string; markdown: string }> {
  const o = readOptions(argv);
  const results: BenchResults = { notes: [] };
  const loadBefore = loadavg()[0]!.toFixed(1);
  const needsCli = o.only.has('pipeline') || o.only.has('scaling') || o.only.has('tokencheck');
  if (needsCli && o.build) {
    log('building dist/ (tsc -p tsconfig.json)');
    try {
      execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'pipe' });
    } catch (error) {
      const out = String((error as { stdout?: Buffer }).stdout ?? '').split('\n').slice(0, 5).join('\n');
      log(`tsc reported errors (dist/ was still emitted):\n${out}`);
    }
  }
  if (o.only.has('pipeline')) {
    log(`pipeline: ${o.rows} rows, ${o.repeat} run(s) per side`);
    results.pipeline = await benchPipeline(o.rows, o.repeat, { pandas: o.pandas, log });
    if (results.pipeline.pandasMissing) results.notes.push(`pandas row skipped: ${results.pipeline.pandasMissing}`);
  }
  if (o.only.has('scaling') && o.scaleRows > 0 && o.scaleRows !== o.rows) {
    log(`scaling: ${o.scaleRows} rows (tunefile only)`);
    const small = await benchPipeline(o.scaleRows, o.repeat, { pandas: false, log });
    const large = results.pipeline ?? (await benchPipeline(o.rows, o.repeat, { pandas: false, log }));
    results.scaling = { small, large };
  }
  if (o.only.has('tokencheck')) {
    log(`tokencheck: ${o.rows} rows`);
    results.tokencheck = await benchTokencheck(o.rows, o.repeat, log);
    if (results.tokencheck.tiktokenMissing) results.notes.push(`tiktoken row skipped: ${results.tokencheck.tiktokenMissing}`);
  }
  if (o.only.has('trainer')) {
    log(`trainer: ${o.trainExamples} examples x ${o.epochs} epochs, then ${o.predictions} predictions`);
    results.throughput = await benchThroughput({ examples: o.trainExamples, epochs: o.epochs, predictions: o.predictions, concurrency: o.concurrency });
  }
  if (o.only.has('server')) {
    log('local server: bench/local-server.ts (Banking77)');
    const { benchLocalServer } = await import('./local-server.ts');
    results.server = await benchLocalServer();
  }
  if (o.only.has('ratelimit')) {
    log(`ratelimit: evaluate under an emulated 600 RPM, then 40000 TPM limit, ~${o.limitSeconds} s per run, ${o.repeat} run(s) each`);
    const { benchRateLimit } = await import('./rate-limit.ts');
    results.rateLimit = await benchRateLimit({ seconds: o.limitSeconds, rounds: o.repeat, concurrency: o.concurrency });
  }
  const table = buildRows(results);
  const command = `npm run bench -- ${argv.filter((a) => a !== '--write' && a !== '--json').join(' ')}`.trim().replace(/ --$/, '');
  const markdown = [
    formatMarkdown(table), '',
    `Machine: ${describeMachine()}; 1-minute load average ${loadBefore} at the start and ${loadavg()[0]!.toFixed(1)} at the end (the machine is shared).`,
    `Peak RSS: ${describeRssMethod()}. ${o.repeat} run(s) per measurement, medians; every ratio compares runs of the same invocation.`, '',
    `Reproduce: \`${command}\` (data: bench/generate.ts, cached in ~/.cache/tunefile-bench).`,
    ...results.notes.map((n) => `\nNote: ${n}`),
  ].join('\n');
  return { results, text: formatText(table), markdown };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) console.log(USAGE);
  else {
    const o = readOptions(argv);
    const { results, text, markdown } = await runBench(argv);
    console.log(text);
    for (const n of results.notes) console.log(`note: ${n}`);
    if (o.write) {
      writeBenchmarksFile(o.write, markdown);
      console.log(`wrote ${o.write}`);
    }
    if (o.json) console.log(JSON.stringify(results, null, 2));
  }
}
