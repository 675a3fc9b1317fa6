// `tunefile prepare FILE [--yes] [--json]`: legacy prepare_data's checks and fixes on one file.
import { createInterface } from 'node:readline/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { TunefileError, UsageError } from '../errors.ts';
import { prepareFile } from '../prepare/index.ts';
import type { Finding, PrepareReport, PrepareResult } from '../prepare/index.ts';
import { parseFlags } from './args.ts';
import type { CliIO, Command } from './command.ts';

const command: Command = {
  name: 'prepare',
  summary: 'check and prepare one data file (legacy prepare_data)',
  help: `Usage: tunefile prepare FILE [--yes] [--json] [options]

Runs the data checks of a pipeline (load, dedupe, suffix, split, tokencheck) on one
file, prints each finding with its recommended fix, and writes
<name>_prepared_train.jsonl and <name>_prepared_valid.jsonl beside it.

Every finding is printed before the first question. On a terminal it asks before
each fix. Without a terminal (or with CI=true, or --json) it accepts only the safe
fixes (remove unusable rows and duplicates, add separator, ending and leading space,
split) and says so. --yes accepts every fix, including lower-casing, recoding labels
to distinct single-token codes, and dropping the rows of classes with fewer than 2
examples (which a stratified split cannot put in both files; declined, they stop it).

Output files that already exist are replaced only when you say so: on a terminal it
asks; without one it refuses (exit 2, nothing written) unless --yes is given.

Options:
  --yes               accept every recommendation
  --json              print one JSON document on stdout (findings, actions, files, estimate);
                      on an error too: {"ok": false, "error": {"code", "message", "hint"}}
  --prompt FIELD      source field of the prompt (default: prompt, else guessed)
  --completion FIELD  source field of the completion (default: completion, else guessed)
  --format F          jsonl | json | csv | tsv (default: from the extension)
  --model M           model for token counts and prices (default: babbage-002)
  --valid X           validation fraction or count (default: 0.2)
  --seed N            split seed (default: 42)
  --out DIR           folder for the written files (default: the file's folder)

Exit codes: 0 done, 1 problems remain in the written files (e.g. colliding first
tokens you declined to fix), 2 usage error.`,
  async run(argv, io) {
    // --json promises one JSON document on every path: an error becomes {ok: false, error}, then goes on to main.
    if (!argv.includes('--json')) return prepare(argv, io);
    try {
      return await prepare(argv, io);
    } catch (error) {
      io.stdout.write(JSON.stringify({ ok: false, error: describeError(error) }, null, 2) + '\n');
      throw error;
    }
  },
};

/** The error as --json shows it: code, message, and hint and details when there are any. */
function describeError(error: unknown) {
  if (!(error instanceof TunefileError)) return { code: 'TUNEFILE_INTERNAL', message: error instanceof Error ? error.message : String(error) };
  return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}), ...(error.details.length ? { details: error.details } : {}) };
}

/** `tunefile prepare` itself: flags, the analysis and its questions, the files, the summary. */
async function prepare(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('prepare', argv, {
    yes: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    prompt: { type: 'string' },
    completion: { type: 'string' },
    format: { type: 'string' },
    model: { type: 'string' },
    valid: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
  });
  const file = positionals[0];
  if (!file) throw new UsageError('tunefile prepare: FILE is required', { hint: "see 'tunefile prepare --help'" });
  const json = values.json === true;
  const interactive = !values.yes && !json && io.stdin.isTTY === true && io.env.CI !== 'true';
  const out = json ? io.stderr : io.stdout;
  const ask = interactive ? makeAsker(io) : undefined;
  try {
    const result = await prepareFile(resolvePath(io, file), {
      prompt: values.prompt, completion: values.completion, model: values.model,
      format: parseFormat(values.format), valid: parseNumber('--valid', values.valid), seed: parseNumber('--seed', values.seed),
      outDir: values.out === undefined ? undefined : resolvePath(io, values.out),
      accept: values.yes ? 'all' : ask ? (f) => ask.question(f) : 'safe',
      overwrite: values.yes ? true : ask ? (existing) => ask.confirm(`Overwrite ${existing.map((p) => showPath(io, p)).join(' and ')}?`) : false,
      onReport: (report) => {
        if (!json) printFindings(out, report);
        if (!values.yes && !ask) out.write(describeAutoAccept(report, io.env.CI === 'true' ? 'CI=true' : json ? '--json' : 'no terminal'));
      },
    });
    if (json) io.stdout.write(JSON.stringify(toJson(result), null, 2) + '\n');
    else printResult(io, result);
    return result.final.failures.length > 0 ? 1 : 0;
  } finally {
    ask?.close();
  }
}

function resolvePath(io: CliIO, p: string): string {
  return resolve(io.cwd, p);
}

function parseFormat(v: string | undefined): 'jsonl' | 'json' | 'csv' | 'tsv' | undefined {
  if (v === undefined) return undefined;
  if (v === 'jsonl' || v === 'json' || v === 'csv' || v === 'tsv') return v;
  throw new UsageError(`tunefile prepare: --format must be jsonl, json, csv or tsv (got '${v}')`);
}

function parseNumber(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`tunefile prepare: ${flag} needs a positive number (got '${v}')`);
  return n;
}

/** A readline asker on the injected streams: [Y/n] for safe fixes, [y/N] for the others. */
function makeAsker(io: CliIO) {
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: false });
  return {
    async question(f: Finding): Promise<boolean> {
      const safe = f.action!.safe;
      const answer = (await rl.question(`${f.action!.question} ${safe ? '[Y/n]' : '[y/N]'}: `)).trim().toLowerCase();
      return answer === '' ? safe : answer.startsWith('y');
    },
    /** A yes/no question whose default is no. */
    async confirm(question: string): Promise<boolean> {
      return (await rl.question(`${question} [y/N]: `)).trim().toLowerCase().startsWith('y');
    },
    close: () => rl.close(),
  };
}

function printFindings(out: NodeJS.WritableStream, report: PrepareReport): void {
  out.write(`Analyzing ${report.file} (${report.format})...\n\n`);
  for (const f of report.findings) {
    out.write(`- ${f.severity === 'info' ? '' : `[${f.severity}] `}${f.message}\n`);
    if (f.recommendation) out.write(`  -> ${f.recommendation}\n`);
  }
  out.write('\n');
}

function describeAutoAccept(report: PrepareReport, why: string): string {
  const actions = report.findings.filter((f) => f.action);
  const safe = actions.filter((f) => f.action!.safe).map((f) => f.action!.id);
  const other = actions.filter((f) => !f.action!.safe).map((f) => f.action!.id);
  return `${why}: accepting the safe recommendations${safe.length ? ` (${safe.join(', ')})` : ' (none)'}` +
    `${other.length ? `; not applying ${other.join(', ')} (rerun with --yes to accept them)` : ''}\n`;
}

/** A path as the user typed it: relative to the working folder when below it. */
function showPath(io: CliIO, p: string): string {
  const rel = relative(io.cwd, p);
  return rel.startsWith('..') || isAbsolute(rel) ? p : rel;
}

function printResult(io: CliIO, r: PrepareResult): void {
  const written = Object.entries(r.outputs).map(([, p]) => showPath(io, p!));
  const splits = r.final.splits;
  if (r.dropped) {
    const named = r.dropped.classes.map((c) => `'${c.label}' (${c.rows.join(', ')})`).join(', ');
    io.stdout.write(`\nDropped ${r.dropped.rows} row(s) of ${r.dropped.classes.length} class(es) with fewer than ${r.dropped.min_class_size} examples: ${named}`);
  }
  io.stdout.write(`\nWrote ${written.join(' and ')} (${splits.train.examples.toLocaleString('en-US')}${splits.valid ? ` train / ${splits.valid.examples.toLocaleString('en-US')} valid` : ''} examples)\n`);
  const e = r.final.estimate;
  io.stdout.write(`Estimate: ${e.billed_tokens.toLocaleString('en-US')} billed tokens over ${e.n_epochs} epochs${e.cost_usd === null ? '' : `, about $${e.cost_usd.toFixed(2)} on ${r.final.model}`}\n`);
  for (const w of r.final.warnings) io.stdout.write(`warning: ${w}\n`);
  for (const f of r.final.failures) io.stderr.write(`problem: ${f}\n`);
}

function toJson(r: PrepareResult) {
  return {
    ok: r.final.failures.length === 0,
    file: r.report.file, format: r.report.format, fields: r.report.fields, records: r.report.records,
    classification: r.report.classification, findings: r.report.findings,
    accepted: r.accepted, declined: r.declined, outputs: r.outputs, dropped: r.dropped ?? null,
    examples: { train: r.final.splits.train.examples, valid: r.final.splits.valid?.examples ?? null },
    estimate: r.final.estimate, failures: r.final.failures, warnings: r.final.warnings,
  };
}

export default command;
