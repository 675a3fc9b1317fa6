// End to end: `tunefile prepare` as a child process (and in-process with a terminal-like stdin) on real data.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, REPO, makeProject } from '../helpers/cli.ts';
import { prepareOnTerminal } from '../helpers/prepare-terminal.ts';
import { analyzeFile } from '../../src/prepare/index.ts';
import { smsSpamFacts } from '../helpers/sms-spam-facts.ts';

const SMS = join(REPO, 'test/data/sms-spam/SMSSpamCollection.tsv');
const BANKING_TEST = join(REPO, 'test/data/banking77/test.csv');
/** Counted from the raw file by the test: rows, and rows whose text appeared on an earlier row. */
const FACTS = smsSpamFacts();
const ROWS = FACTS.rows.length;
const REPEATS = FACTS.repeats.length;

/** The real SMS spam data rewritten as a proper CSV (quoted fields, doubled quotes). */
function smsAsCsv(dir: string): string {
  const lines = readFileSync(SMS, 'utf8').split('\n').filter((l) => l !== '');
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const csv = lines.map((l) => l.split('\t').map(quote).join(',')).join('\r\n') + '\r\n';
  const path = join(dir, 'sms.csv');
  writeFileSync(path, csv);
  return path;
}

/** Runs the CLI with stdin left open and not a TTY: prepare must not wait for input. */
function runOpenStdin(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  if (env.CI === undefined) delete childEnv.CI;
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], { cwd, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('tunefile prepare', () => {
  it('on a real CSV without a terminal: lists the duplicate rows, accepts safe fixes, writes both files', async () => {
    const dir = makeProject();
    smsAsCsv(dir);
    const r = await runOpenStdin(['prepare', 'sms.csv'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`There are ${REPEATS} duplicated prompts. These are rows: ${FACTS.repeats.slice(0, 3).map((x) => x.row).join(', ')},`);
    expect(r.stdout).toMatch(/no terminal: accepting the safe recommendations \(dedupe, split, separator, ending, leading-space\)/);
    expect(r.stdout).toMatch(/recommend a fast and cheap base model such as `babbage-002`/);
    const train = lines(join(dir, 'sms_prepared_train.jsonl'));
    const valid = lines(join(dir, 'sms_prepared_valid.jsonl'));
    expect(train.length + valid.length).toBe(ROWS - REPEATS);
    expect(Object.keys(train[0]!)).toEqual(['prompt', 'completion']);
    expect(train[0]!.prompt).toMatch(/ ->$/);
    expect(new Set(valid.map((x) => x.completion))).toEqual(new Set([' ham\n', ' spam\n']));
  });

  it('with CI=true and --json prints one JSON document and never waits', async () => {
    const dir = makeProject();
    copyFileSync(BANKING_TEST, join(dir, 'banking.csv'));
    const r = await runOpenStdin(['prepare', 'banking.csv', '--json'], dir, { CI: 'true' });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.declined).toEqual(['labels']);
    expect(doc.failures[0]).toMatch(/'card_arrival', .*share the first token ' card'/);
    expect(r.stderr).toMatch(/CI=true: accepting the safe recommendations/);
  });

  it('--yes accepts recoding Banking77 labels: distinct first tokens and a labels file', async () => {
    const dir = makeProject();
    copyFileSync(BANKING_TEST, join(dir, 'banking.csv'));
    const r = await runOpenStdin(['prepare', 'banking.csv', '--yes', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, failures: [] });
    expect(doc.accepted).toContain('labels');
    const labels = JSON.parse(readFileSync(join(dir, 'banking_prepared_labels.json'), 'utf8'));
    expect(Object.keys(labels.labels)).toHaveLength(77);
    expect(Object.values(labels.labels)).toContain('card_arrival');
    expect(existsSync(join(dir, 'banking_prepared_valid.jsonl'))).toBe(true);
  });

  it('asks on a terminal: declining the split writes one prepared file', async () => {
    const dir = makeProject();
    smsAsCsv(dir);
    const { code, out, questions } = await prepareOnTerminal([join(dir, 'sms.csv')], dir, (q) => (q.startsWith('Split') ? 'n' : ''));
    expect(code).toBe(0);
    expect(questions[0]).toBe(`Remove the ${REPEATS} duplicate row(s)? [Y/n]:`);
    expect(questions).toContain('Split into training and validation sets (stratified)? [Y/n]:');
    expect(lines(join(dir, 'sms_prepared.jsonl'))).toHaveLength(ROWS - REPEATS);
    expect(existsSync(join(dir, 'sms_prepared_train.jsonl'))).toBe(false);
    expect(out).toMatch(/Wrote sms_prepared\.jsonl/);
  });

  it('analyzeFile is the same analysis as a typed function', async () => {
    const report = await analyzeFile(SMS);
    expect(report).toMatchObject({ format: 'tsv', records: ROWS, classification: true, fields: { prompt: 'SMS', completion: 'Label', quote: false } });
    expect(report.findings.map((f) => f.id)).toEqual(['fields', 'quoting', 'count', 'duplicates', 'classification', 'separator', 'ending', 'leading-space', 'estimate']);
  });
});
