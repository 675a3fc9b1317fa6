// Issue 7, bad-input corpus: every case under test/fixtures/bad/ runs through the real CLI and must end with its
// exit code, a clean message naming the file and line (or stage), no stack trace, and nothing half-made in the cache.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli.ts';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'bad');

/** A case's `case.json`. */
interface BadCase {
  /** What the case feeds tunefile, in one line. */
  why: string;
  args: string[];
  exit: number;
  /** Words that must all appear in stdout + stderr. */
  expect: string[];
  /** Words that must not appear. */
  forbid?: string[];
  /** The stage that fails (exit 1): it must not be recorded as up to date afterwards. */
  stage?: string;
  /** Extra environment for the run. */
  env?: Record<string, string>;
  /** Files made at test time instead of committed (too big for the repository). */
  generate?: { path: string; kind: 'long-line-jsonl'; mb: number }[];
}

const names = readdirSync(CORPUS).filter((name) => existsSync(join(CORPUS, name, 'case.json'))).sort();
const cases = names.map((name) => ({ name, spec: JSON.parse(readFileSync(join(CORPUS, name, 'case.json'), 'utf8')) as BadCase }));

/** Writes the generated files of a case into the project folder. */
function generateFiles(dir: string, spec: BadCase): void {
  for (const g of spec.generate ?? []) {
    // 20 ordinary rows, then one record whose prompt is a single line of `mb` MiB of words.
    const rows = Array.from({ length: 20 }, (_, i) => JSON.stringify({ prompt: `short message ${i}`, completion: i % 2 ? 'spam' : 'ham' }));
    const words = ['free', 'prize', 'call', 'now', 'lunch', 'see', 'you', 'later'];
    const target = g.mb * 1024 * 1024;
    const parts: string[] = [];
    for (let n = 0, i = 0; n < target; i++) {
      const w = words[(i * 7) % words.length]!;
      parts.push(w);
      n += w.length + 1;
    }
    rows.push(JSON.stringify({ prompt: parts.join(' '), completion: 'ham' }));
    writeFileSync(join(dir, g.path), rows.join('\n') + '\n');
  }
}

/** Blob names under .tunefile/cache/blobs, each checked to hash to its name. */
function intactBlobs(dir: string): string[] {
  const root = join(dir, '.tunefile', 'cache', 'blobs');
  if (!existsSync(root)) return [];
  const found: string[] = [];
  for (const shard of readdirSync(root)) {
    for (const name of readdirSync(join(root, shard))) {
      expect(createHash('sha256').update(readFileSync(join(root, shard, name))).digest('hex'), `blob ${name}`).toBe(name);
      found.push(name);
    }
  }
  return found;
}

describe(`bad-input corpus (${cases.length} cases in test/fixtures/bad)`, () => {
  it('holds at least 40 cases, each with a reason and expected words', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const { name, spec } of cases) {
      expect(spec.why, name).toBeTruthy();
      expect(spec.expect.length, name).toBeGreaterThan(0);
      if (spec.exit === 1 && spec.args[0] === 'run') expect(spec.stage, `${name}: a stage failure names its stage`).toBeTruthy();
    }
  });

  it.concurrent.each(cases)('$name', async ({ name, spec }) => {
    const dir = makeProject({}, `tunefile-bad-${name}-`);
    cpSync(join(CORPUS, name), dir, { recursive: true, filter: (src) => !src.endsWith('case.json') });
    generateFiles(dir, spec);
    const result = await runCli(spec.args, { cwd: dir, ...(spec.env ? { env: spec.env } : {}) });
    const output = `${result.stdout}\n${result.stderr}`;
    const context = `${name}: ${spec.why}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;

    expect(result.code, context).toBe(spec.exit);
    for (const word of spec.expect) expect(output, context).toContain(word);
    for (const word of spec.forbid ?? []) expect(output, context).not.toContain(word);
    // Clean: no stack frame, no "this is a bug", and one `error:` line that says what is wrong.
    expect(output, context).not.toMatch(/^ {4}at /m);
    expect(output, context).not.toContain('This is a bug in tunefile');
    if (spec.exit !== 0) expect(result.stderr, context).toMatch(/^error: \S.*$/m);

    // Nothing half-made: every blob is whole, scratch folders are gone, and the failed stage is not up to date.
    const blobs = intactBlobs(dir);
    const tmp = join(dir, '.tunefile', 'tmp');
    if (existsSync(tmp)) expect(readdirSync(tmp), `${name}: leftover scratch`).toEqual([]);
    if (spec.exit === 2) expect(blobs, `${name}: an invalid pipeline caches nothing`).toEqual([]);
    if (spec.stage) {
      const status = await runCli(['status', '--json'], { cwd: dir });
      expect(status.code, status.stderr).toBe(0);
      const state = (JSON.parse(status.stdout).stages as { id: string; state: string }[]).find((s) => s.id === spec.stage);
      expect(state, `${name}: stage ${spec.stage} in status`).toBeDefined();
      expect(state!.state, `${name}: the failed stage must not be cached`).not.toBe('up-to-date');
    }
  }, 180_000); // the 50 MB case streams the file through five stages, slow on a busy 2-core runner
});
