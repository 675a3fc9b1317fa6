// Progress subscribers: a listr2 task tree on a terminal, plain lines in CI, pipes or with NO_COLOR.
import type { RunEvent, RunListener } from '../engine/events.ts';
import type { CliIO } from './command.ts';
import { withKnownSize } from './terminal-size.ts';

/**
 * Whether to draw the live tree: terminals on stderr and stdout, not CI, no NO_COLOR. listr2 draws its tree only
 * when stdout is a terminal too; otherwise its fallback renderer writes to stdout, into `run --json > file`.
 */
export function wantsTree(io: CliIO): boolean {
  return Boolean(io.stderr.isTTY && io.stdout.isTTY) && !io.env.CI && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** Options of the progress subscribers. */
export interface ProgressOptions {
  /** `run --verbose`: also print the lines after a summary's first (a command stage's last output lines). */
  verbose?: boolean;
}

/**
 * "ran in 1.2s - summary": a summary's first line, and with --verbose its other lines indented below. A dash, not
 * parentheses: summaries and reasons hold parentheses of their own ("created ftjob-1 (420,668 trained tokens)").
 */
function ranLine(event: { id: string; durationMs: number; summary?: string }, options: ProgressOptions): string {
  const [first, ...more] = (event.summary ?? '').split('\n');
  const head = `${event.id}: ran in ${seconds(event.durationMs)}${first ? ` - ${first}` : ''}`;
  return options.verbose && more.length > 0 ? [head, ...more.map((l) => `  | ${l}`)].join('\n') : head;
}

/** One line per event that matters; progress details throttled to one per second per stage. */
export function makePlainProgress(io: CliIO, options: ProgressOptions = {}): RunListener {
  const lastDetail = new Map<string, number>();
  const write = (line: string) => io.stderr.write(line + '\n');
  return (event: RunEvent) => {
    switch (event.type) {
      case 'run:waiting':
        write(event.message);
        break;
      case 'stage:start':
        write(`${event.id}: running${event.reasons.length ? ` - ${event.reasons.join('; ')}` : ''}`);
        break;
      case 'stage:progress': {
        const now = Date.now();
        if (now - (lastDetail.get(event.id) ?? 0) >= 1000) {
          lastDetail.set(event.id, now);
          write(`${event.id}: ${event.detail}`);
        }
        break;
      }
      case 'stage:warning':
        write(`${event.id}: warning: ${event.message}`);
        break;
      case 'stage:end':
        if (event.status === 'ran') write(ranLine(event, options));
        else if (event.status === 'cached') write(`${event.id}: cached`);
        else if (event.status === 'skipped') write(`${event.id}: skipped - ${event.reasons.join('; ')}`);
        else write(`${event.id}: ${isInterruption(event.error) ? 'interrupted' : 'FAILED'}: ${(event.error ?? 'unknown error').split('\n')[0]}`);
        break;
      default:
        break;
    }
  };
}

/** Whether a stage error is the interruption of the run (Ctrl-C), not a failure of its own. */
export function isInterruption(error: string | null): boolean {
  return error !== null && (/: interrupted$/.test(error.split('\n')[0]!) || /keeps running; rerun/.test(error));
}

interface Pending {
  task: { title: string; output: string; skip(message?: string): void };
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The listr2 tree: one task per stage, driven by run events. listr2 (slow to load next to a whole no-op run) is imported only for a
 * terminal, and only once a stage starts or the run has taken `delayMs`: a run that finds everything cached
 * before then prints plain lines instead.
 */
export function makeTreeProgress(io: CliIO, options: { delayMs?: number } & ProgressOptions = {}): RunListener {
  const pending = new Map<string, Pending>();
  const early = new Map<string, RunEvent[]>();
  /** Events before the tree is drawn, replayed as plain lines if it never is. */
  const before: RunEvent[] = [];
  let stages: { id: string; type: string }[] = [];
  let tree: Promise<void> | undefined;
  let done: Promise<unknown> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const apply = (event: RunEvent, p: Pending) => {
    if (event.type === 'stage:start') p.task.output = event.reasons.length ? event.reasons.join('; ') : 'running';
    else if (event.type === 'stage:progress') p.task.output = event.detail;
    else if (event.type === 'stage:warning') p.task.output = `warning: ${event.message}`;
    else if (event.type === 'stage:end') {
      pending.delete(event.id);
      if (event.status === 'ran') {
        p.task.title = ranLine(event, options);
        p.resolve();
      } else if (event.status === 'cached') {
        p.task.title = `${event.id}: cached`;
        p.resolve();
      } else if (event.status === 'skipped') {
        p.task.skip(`${event.id}: skipped - ${event.reasons.join('; ')}`);
        p.resolve();
      } else {
        p.reject(new Error(`${event.id}: ${(event.error ?? 'failed').split('\n')[0]}`));
      }
    }
  };
  const drawTree = async () => {
    clearTimeout(timer);
    const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
    // listr2 11 sizes and writes the tree through its renderer's logger (a top-level `processOutput` is not read):
    // the same streams as its default, but a terminal that reports 0 columns or rows counts as one of unknown size.
    const output = new ProcessOutput(withKnownSize(io.stdout) as NodeJS.WriteStream, withKnownSize(io.stderr) as NodeJS.WriteStream);
    const list = new Listr(
      stages.map((s) => ({
        title: `${s.id} (${s.type})`,
        task: (_: unknown, task: Pending['task']) =>
          new Promise<void>((resolve, reject) => {
            const p: Pending = { task, resolve, reject };
            pending.set(s.id, p);
            task.output = 'waiting';
            for (const e of early.get(s.id) ?? []) apply(e, p);
            early.delete(s.id);
          }),
      })),
      {
        concurrent: true,
        exitOnError: false,
        registerSignalListeners: false,
        collectErrors: false,
        rendererOptions: { collapseErrors: false, outputBar: 1, logger: new ListrLogger({ useIcons: true, toStderr: [], processOutput: output }) },
      } as never,
    );
    done = list.run().catch(() => undefined);
  };
  const startTree = () => (tree ??= drawTree());
  return async (event: RunEvent) => {
    if (event.type === 'run:start') {
      stages = event.stages;
      timer = setTimeout(() => void startTree(), options.delayMs ?? 250);
      timer.unref?.();
      return;
    }
    if (event.type === 'run:end') {
      clearTimeout(timer);
      if (tree === undefined) {
        const plain = makePlainProgress(io, options);
        for (const e of before) await plain(e);
        return;
      }
      await tree;
      for (const p of pending.values()) p.resolve();
      await done;
      return;
    }
    if (tree === undefined) before.push(event);
    if (event.type === 'stage:start') await startTree();
    if ('id' in event) {
      const p = pending.get(event.id);
      if (p) apply(event, p);
      else early.set(event.id, [...(early.get(event.id) ?? []), event]);
    }
  };
}
