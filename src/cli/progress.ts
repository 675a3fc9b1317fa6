// Progress subscribers: a listr2 task tree on a terminal, plain lines in CI, pipes or with NO_COLOR.
import type { RunEvent, RunListener } from '../engine/events.ts';
import type { CliIO } from './command.ts';

/** Whether to draw the live tree: a TTY on stderr, not CI, no NO_COLOR. */
export function wantsTree(io: CliIO): boolean {
  return Boolean(io.stderr.isTTY) && !io.env.CI && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** One line per event that matters; progress details throttled to one per second per stage. */
export function makePlainProgress(io: CliIO): RunListener {
  const lastDetail = new Map<string, number>();
  const write = (line: string) => io.stderr.write(line + '\n');
  return (event: RunEvent) => {
    switch (event.type) {
      case 'run:waiting':
        write(event.message);
        break;
      case 'stage:start':
        write(`${event.id}: running${event.reasons.length ? ` (${event.reasons.join('; ')})` : ''}`);
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
        if (event.status === 'ran') write(`${event.id}: ran in ${seconds(event.durationMs)}${event.summary ? ` (${event.summary})` : ''}`);
        else if (event.status === 'cached') write(`${event.id}: cached`);
        else if (event.status === 'skipped') write(`${event.id}: skipped (${event.reasons.join('; ')})`);
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

/** The listr2 tree: one task per stage, driven by run events. listr2 is imported only for terminals. */
export function makeTreeProgress(io: CliIO): RunListener {
  const pending = new Map<string, Pending>();
  const early = new Map<string, RunEvent[]>();
  let done: Promise<unknown> | undefined;
  const apply = (event: RunEvent, p: Pending) => {
    if (event.type === 'stage:start') p.task.output = event.reasons.length ? event.reasons.join('; ') : 'running';
    else if (event.type === 'stage:progress') p.task.output = event.detail;
    else if (event.type === 'stage:warning') p.task.output = `warning: ${event.message}`;
    else if (event.type === 'stage:end') {
      pending.delete(event.id);
      if (event.status === 'ran') {
        p.task.title = `${event.id}: ran in ${seconds(event.durationMs)}${event.summary ? ` (${event.summary})` : ''}`;
        p.resolve();
      } else if (event.status === 'cached') {
        p.task.title = `${event.id}: cached`;
        p.resolve();
      } else if (event.status === 'skipped') {
        p.task.skip(`${event.id}: skipped (${event.reasons.join('; ')})`);
        p.resolve();
      } else {
        p.reject(new Error(`${event.id}: ${(event.error ?? 'failed').split('\n')[0]}`));
      }
    }
  };
  return async (event: RunEvent) => {
    if (event.type === 'run:start') {
      const { Listr, ProcessOutput } = await import('listr2');
      const list = new Listr(
        event.stages.map((s) => ({
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
          processOutput: new ProcessOutput(io.stderr as NodeJS.WriteStream, io.stderr as NodeJS.WriteStream),
          rendererOptions: { collapseErrors: false, outputBar: 1 },
        } as never,
      );
      done = list.run().catch(() => undefined);
      return;
    }
    if (event.type === 'run:end') {
      for (const p of pending.values()) p.resolve();
      await done;
      return;
    }
    if ('id' in event) {
      const p = pending.get(event.id);
      if (p) apply(event, p);
      else early.set(event.id, [...(early.get(event.id) ?? []), event]);
    }
  };
}
