// Issue 15: an edit of a source file after a run reruns exactly the stages it affects, and their outputs show it:
// the data file of `load`, and a `deps:` file of a command stage. Each edit is the hardest kind for a stat cache:
// same size, same inode, and the mtime set back to exactly its old value, so (path, dev, ino, size, mtime) is
// unchanged. Only the ctime (which a write always moves and utimes cannot set back) still tells. The same edit made
// while the stage runs fails it; a change of metadata only (a hard link to the file) does not.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, runJson } from '../helpers/cli.ts';
import { stateRows } from '../helpers/state-db.ts';

/** An old, whole-second timestamp: exact through utimes (a double of seconds), and far outside any racy window. */
const OLD = 1_700_000_000;

const TOOL = `import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
const [mode, from, to] = process.argv.slice(2);
if (mode === 'annotate') {
  const word = readFileSync('words.txt', 'utf8').trim();
  const lines = readFileSync(from, 'utf8').split('\\n').filter(Boolean).map((line) => JSON.parse(line).prompt + ' ' + word);
  writeFileSync(to, lines.join('\\n') + '\\n');
} else {
  writeFileSync(to, readFileSync(from, 'utf8').toUpperCase());
}
`;

// load -> dedupe -> split, annotate (command: dedupe's dataset + words.txt), and notes (command, needs nothing).
const PIPELINE = `version: 1
stages:
  load:
    with: { path: data.jsonl }
  dedupe: {}
  split:
    with: { valid: 0.25, seed: 1 }
  annotate:
    uses: command
    needs: [dedupe]
    with:
      run: [${JSON.stringify(process.execPath)}, tool.mjs, annotate, "{in.dataset}", "{out.annotated}"]
      deps: [tool.mjs, words.txt]
  notes:
    uses: command
    needs: []
    with:
      run: [${JSON.stringify(process.execPath)}, tool.mjs, copy, notes.txt, "{out.note}"]
      deps: [tool.mjs, notes.txt]
`;

const ROWS = Array.from({ length: 40 }, (_, i) => JSON.stringify({ prompt: `message ${String(i).padStart(2, '0')}`, completion: i % 3 ? 'ham' : 'spam' })).join('\n') + '\n';

function makeEditProject(): string {
  const dir = makeProject({ 'pipeline.yaml': PIPELINE, 'data.jsonl': ROWS, 'tool.mjs': TOOL, 'words.txt': 'alpha\n', 'notes.txt': 'read me\n' });
  for (const name of ['data.jsonl', 'tool.mjs', 'words.txt', 'notes.txt']) utimesSync(join(dir, name), OLD, OLD);
  return dir;
}

/** Rewrites `name` in place (same inode) with `from` replaced by `to` of the same length, and sets its times back. */
function sameSizeEdit(dir: string, name: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const path = join(dir, name);
  const before = statSync(path, { bigint: true });
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
  utimesSync(path, OLD, OLD);
  const after = statSync(path, { bigint: true });
  // What the old stat cache key saw: nothing changed.
  expect([after.dev, after.ino, after.size, after.mtimeNs]).toEqual([before.dev, before.ino, before.size, before.mtimeNs]);
  expect(after.mtimeNs).toBe(BigInt(OLD) * 1_000_000_000n);
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The paths state.db's stat cache remembers a hash for. */
function statCachePaths(dir: string): string[] {
  return stateRows<{ path: string }>(dir, 'SELECT path FROM stat_cache').map((r) => r.path);
}

async function show(dir: string, ...args: string[]): Promise<string> {
  const r = await runCli(['show', ...args], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('edits of source files after a run', () => {
  it.concurrent('a same-size edit of the load data file, mtime restored, reruns load and everything below it, and nothing else', async () => {
    const dir = makeEditProject();
    const first = await runJson([], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.status).toEqual({ load: 'ran', dedupe: 'ran', split: 'ran', annotate: 'ran', notes: 'ran' });
    // The file is old, so its hash is remembered by stat: the next run would trust an unchanged stat identity.
    expect(statCachePaths(dir)).toContain(join(dir, 'data.jsonl'));
    expect(await show(dir, 'annotate')).toContain('message 07 alpha\n');

    sameSizeEdit(dir, 'data.jsonl', '"message 07"', '"massage 07"');
    const status = await runCli(['status', '--json'], { cwd: dir });
    const states = Object.fromEntries((JSON.parse(status.stdout).stages as { id: string; state: string; reasons: string[] }[]).map((s) => [s.id, s]));
    expect(states.load!.state).toBe('stale');
    expect(states.load!.reasons.join('\n')).toContain('data.jsonl');
    expect(states.notes!.state).toBe('up-to-date');

    const second = await runJson([], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.status).toEqual({ load: 'ran', dedupe: 'ran', split: 'ran', annotate: 'ran', notes: 'cached' });
    // The outputs hold the edited row, and no longer the old one.
    const dataset = await show(dir, 'dedupe', 'dataset');
    expect(dataset).toContain('"massage 07"');
    expect(dataset).not.toContain('"message 07"');
    const annotated = await show(dir, 'annotate');
    expect(annotated).toContain('massage 07 alpha\n');
    expect(annotated).not.toContain('message 07');
    const split = (await show(dir, 'split', 'train')) + (await show(dir, 'split', 'valid'));
    expect(split).toContain('"massage 07"');
    expect(split).not.toContain('"message 07"');
    // The lock records the content hash of the file as it is now.
    const lock = JSON.parse(readFileSync(join(dir, 'pipeline.lock'), 'utf8'));
    expect(lock.stages.load.deps['data.jsonl']).toBe(sha256(readFileSync(join(dir, 'data.jsonl'))));

    const again = await runJson([], { cwd: dir });
    expect(Object.values(again.status)).toEqual(Array(5).fill('cached'));
  }, 120_000);

  it.concurrent('a same-size edit of a command stage\'s deps file, mtime restored, reruns that stage only', async () => {
    const dir = makeEditProject();
    const first = await runJson([], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(statCachePaths(dir)).toContain(join(dir, 'words.txt'));
    const lockText = readFileSync(join(dir, 'pipeline.lock'), 'utf8');
    const lockBefore = JSON.parse(lockText);
    expect(lockBefore.stages.annotate.deps['words.txt']).toBe(sha256('alpha\n'));

    sameSizeEdit(dir, 'words.txt', 'alpha', 'omega');
    const second = await runJson([], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.status).toEqual({ load: 'cached', dedupe: 'cached', split: 'cached', annotate: 'ran', notes: 'cached' });
    const reasons = (second.report.stages as { id: string; reasons: string[] }[]).find((s) => s.id === 'annotate')!.reasons;
    expect(reasons.join('\n')).toContain('words.txt');
    const annotated = await show(dir, 'annotate');
    expect(annotated.split('\n').filter(Boolean)).toHaveLength(40);
    expect(annotated).toContain('message 07 omega\n');
    expect(annotated).not.toContain('alpha');
    const lock = JSON.parse(readFileSync(join(dir, 'pipeline.lock'), 'utf8'));
    expect(lock.stages.annotate.deps['words.txt']).toBe(sha256('omega\n'));
    expect(lock.stages.load).toEqual(lockBefore.stages.load);
    expect(lock.stages.notes).toEqual(lockBefore.stages.notes);

    // Set back (same size again, same mtime again): the first run's outputs are restored from the run-cache.
    sameSizeEdit(dir, 'words.txt', 'omega', 'alpha');
    const back = await runJson([], { cwd: dir });
    expect(back.code, back.stderr).toBe(0);
    expect(back.status.annotate).toBe('cached');
    expect(await show(dir, 'annotate')).toContain('message 07 alpha\n');
    expect(readFileSync(join(dir, 'pipeline.lock'), 'utf8')).toBe(lockText);
  }, 120_000);

  it.concurrent('during a run: a same-size edit with the mtime set back fails the stage; a hard link to the file (metadata only) does not', async () => {
    // The program plays the editor: it rewrites its deps file in place, same size, and restores the mtime.
    const EDITOR = `import { readFileSync, writeFileSync, utimesSync, linkSync } from 'node:fs';
const [mode, out] = process.argv.slice(2);
const text = readFileSync('words.txt', 'utf8');
if (mode === 'edit') {
  writeFileSync('words.txt', text.replace('alpha', 'omega'));
  utimesSync('words.txt', ${OLD}, ${OLD});
  writeFileSync(out, text);
} else linkSync('words.txt', out); // the output is a hard link to the deps file: its ctime moves, its bytes do not
`;
    const stage = (mode: string) => `version: 1
stages:
  take:
    uses: command
    with:
      run: [${JSON.stringify(process.execPath)}, editor.mjs, ${mode}, "{out.words}"]
      deps: [editor.mjs, words.txt]
`;
    const dir = makeProject({ 'pipeline.yaml': stage('edit'), 'editor.mjs': EDITOR, 'words.txt': 'alpha\n' });
    utimesSync(join(dir, 'words.txt'), OLD, OLD);
    const edited = await runJson([], { cwd: dir });
    expect(edited.code, edited.stderr).toBe(1);
    expect(edited.report.stages[0].error).toContain('source file words.txt changed during the run; nothing was cached');
    expect(readFileSync(join(dir, 'words.txt'), 'utf8')).toBe('omega\n');
    // The next run sees the edit: it runs (the program's edit is a no-op now) and records the file as it is.
    const next = await runJson([], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'pipeline.lock'), 'utf8')).stages.take.deps['words.txt']).toBe(sha256('omega\n'));

    const linked = makeProject({ 'pipeline.yaml': stage('link'), 'editor.mjs': EDITOR, 'words.txt': 'alpha\n' });
    const run = await runJson([], { cwd: linked });
    expect(run.code, run.stderr).toBe(0);
    expect(await show(linked, 'take')).toBe('alpha\n');
    const again = await runJson([], { cwd: linked });
    expect(again.status).toEqual({ take: 'cached' });
  }, 120_000);
});
