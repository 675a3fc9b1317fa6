// Test helpers: temp projects and the real CLI as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO, 'src', 'cli', 'main.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A fresh project folder (with a .git marker so it is its own project root) holding `files`. */
export function makeProject(files: Record<string, string> = {}, prefix = 'tunefile-e2e-'): string {
  const dir = tempDir(prefix);
  mkdirSync(join(dir, '.git'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/**
 * Copies a project folder as a fresh clone: what a commit holds (pipeline, config, data, and the lock file when
 * `lock` is set), without .tunefile/ and reports/. Servers' data folders (`served*`) sit in a test's project only
 * for convenience; a live server renames files in them while the copy walks, so they are never copied.
 */
export function cloneProject(dir: string, o: { lock?: boolean } = {}): string {
  const copy = tempDir('tunefile-clone-');
  const committed = (src: string): boolean => {
    const rel = relative(dir, src);
    const top = rel.split(sep)[0] ?? '';
    return top !== '.tunefile' && top !== 'reports' && !top.startsWith('served') && (o.lock === true || !rel.endsWith('.lock'));
  };
  cpSync(dir, copy, { recursive: true, filter: committed });
  return copy;
}

/** A CLI child process started by startCli. */
export interface StartedCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Everything the process printed so far. */
  output: () => { stdout: string; stderr: string };
  /**
   * Resolves with the first match of `pattern` in everything `stream` printed so far, as soon as the output that
   * completes it arrives (no polling); rejects, naming what the process printed, when it ends without printing it.
   */
  until: (pattern: RegExp, stream?: 'stdout' | 'stderr') => Promise<RegExpExecArray>;
}

/** Starts the CLI; the caller may kill it. */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }): StartedCli {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, CI: 'true', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const text = { stdout: '', stderr: '' };
  const waiters = new Set<{ pattern: RegExp; stream: 'stdout' | 'stderr'; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void }>();
  const check = () => {
    for (const w of waiters) {
      const match = w.pattern.exec(text[w.stream]);
      if (match) {
        waiters.delete(w);
        w.resolve(match);
      }
    }
  };
  let ended = false;
  // Decoded as a stream, so a character split between two reads arrives whole.
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    text.stdout += d;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    text.stderr += d;
    check();
  });
  const done = new Promise<CliResult>((resolvePromise) => {
    child.on('close', (code, signal) => {
      ended = true;
      check();
      for (const w of waiters) w.reject(new Error(`tunefile ${args.join(' ')} ended (${signal ?? `exit ${code}`}) without printing ${w.pattern} on ${w.stream}:\n${text.stdout}\n${text.stderr}`));
      waiters.clear();
      resolvePromise({ code, signal, stdout: text.stdout, stderr: text.stderr });
    });
  });
  const until = (given: RegExp, stream: 'stdout' | 'stderr' = 'stderr') =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const pattern = new RegExp(given.source, given.flags.replace(/[gy]/g, '')); // no lastIndex state between checks
      const match = pattern.exec(text[stream]);
      if (match) return resolve(match);
      if (ended) return reject(new Error(`tunefile ${args.join(' ')} ended without printing ${pattern} on ${stream}:\n${text.stdout}\n${text.stderr}`));
      waiters.add({ pattern, stream, resolve, reject });
    });
  return { child, done, output: () => ({ ...text }), until };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Runs `tunefile run --json` and parses the report. */
export async function runJson(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const result = await runCli(['run', ...args, '--json'], options);
  let report: any;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(`run --json printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { ...result, report, status: Object.fromEntries((report.stages as { id: string; status: string }[]).map((s) => [s.id, s.status])) };
}

/**
 * Runs the pipeline's stages one at a time (`run --stage ID` for each id, in order), so that each runs alone, fed by
 * its input file, never in a pass with the next; then `run --json` over the whole (all cached) for its report.
 * Returns that report and each stage run's result.
 */
export async function runStageByStage(ids: string[], options: { cwd: string; env?: Record<string, string>; args?: string[] }) {
  const steps: CliResult[] = [];
  for (const id of ids) {
    const step = await runCli(['run', '--stage', id, ...(options.args ?? [])], options);
    steps.push(step);
    if (step.code !== 0) return { steps, failed: id, final: undefined };
  }
  return { steps, failed: undefined, final: await runJson(options.args ?? [], options) };
}

/**
 * Resolves when `predicate` holds, polling; rejects after `timeoutMs`. The poll interval only sets how soon the
 * condition is noticed, never whether it holds; the deadline only turns a wait that would hang into a failure naming
 * `what`, so give one far above what the awaited event needs on a loaded machine.
 */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A small data project (load -> dedupe -> split over 40 JSONL rows, no provider) for CLI output tests. */
export function makeTinyProject(): string {
  const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({ prompt: `message ${i % 30}`, completion: i % 3 ? 'ham' : 'spam' })).join('\n');
  const pipeline = ['version: 1', 'stages:', '  load:', '    with: { path: data.jsonl }', '  dedupe: {}', '  split:', '    with: { valid: 0.25, seed: 1 }', ''].join('\n');
  return makeProject({ 'pipeline.yaml': pipeline, 'data.jsonl': rows });
}
