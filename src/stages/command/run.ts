// Runs the program with execa: argument array, no shell, in the pipeline's folder, in its own process group.
import { join, relative, sep } from 'node:path';
import { TunefileError } from '../../errors.ts';
import type { StageContext, StageResult } from '../types.ts';
import type { CommandParams } from './index.ts';
import { OutputLog } from './output-log.ts';
import { outputNames, settleOutputs } from './outputs.ts';
import { endGroup, forgetGroup, getKillGraceMs, trackGroup } from '../../shared/process-group.ts';
import { undeclaredFiles } from './undeclared-files.ts';

const TAIL_LINES = 20;
/** Lines of output shown after a successful run with `run --verbose`. */
const VERBOSE_LINES = 10;

/** Replaces {in.NAME} and {out.NAME} in one argument with file paths. */
export function substitute(arg: string, ctx: Pick<StageContext, 'inputs' | 'output'>, address: string): string {
  return arg.replace(/\{(in|out)\.([A-Za-z0-9_-]+)\}/g, (_, kind: string, name: string) => {
    if (kind === 'out') return ctx.output(name);
    const input = ctx.inputs[name];
    if (!input) throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: no input artifact '${name}' for {in.${name}}`);
    return input.path;
  });
}

/** Where the stage's output goes: `.tunefile/logs/<pipeline file>/<stage id>.log`, rewritten by each run. */
export function logPathOf(ctx: Pick<StageContext, 'projectRoot' | 'pipelineFile' | 'id'>): string {
  return join(ctx.projectRoot, '.tunefile', 'logs', ...ctx.pipelineFile.split('/'), `${ctx.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.log`);
}

/** Runs the stage: the program with its output logged, its process group ended, its outputs checked. */
export async function run(ctx: StageContext<CommandParams>): Promise<StageResult> {
  const { execa } = await import('execa');
  for (const file of undeclaredFiles(ctx.params.run, Object.keys(ctx.files), ctx.pipelineDir, ctx.projectRoot)) {
    ctx.warn(`run: names the project file ${file}, which is not in deps: the cache key ignores its content, so editing it will not rerun this stage (add it to with.deps)`);
  }
  const [program, ...args] = ctx.params.run.map((a) => substitute(a, ctx, ctx.address));
  const grace = getKillGraceMs(ctx.env);
  const log = new OutputLog(logPathOf(ctx));
  const shownLog = relative(ctx.projectRoot, log.path).split(sep).join('/');
  const subprocess = execa(program!, args, {
    cwd: ctx.pipelineDir,
    env: ctx.params.env,
    extendEnv: true,
    shell: false,
    reject: false,
    stdin: 'ignore',
    // Output goes to the log as it arrives: nothing is buffered, whatever its size.
    buffer: false,
    // Its own process group: Ctrl-C stops the program and everything it started (SIGTERM, then SIGKILL after the grace).
    killDescendants: true,
    cancelSignal: ctx.signal,
    forceKillAfterDelay: grace,
  });
  const pgid = subprocess.pid;
  if (pgid !== undefined) trackGroup(pgid);
  log.attach(subprocess.stdout, 'stdout');
  log.attach(subprocess.stderr, 'stderr');
  let result;
  let leftovers: Awaited<ReturnType<typeof endGroup>> = 'gone';
  let logError: Error | undefined;
  try {
    result = await subprocess;
    // A process the program started and left behind (a daemon, a background job) would hold the GPU: end it too.
    if (pgid !== undefined) leftovers = await endGroup(pgid, grace);
  } finally {
    if (pgid !== undefined) forgetGroup(pgid);
    logError = await log.close();
  }
  if (result.isCanceled || ctx.signal.aborted) {
    const how = result.isForcefullyTerminated || leftovers === 'killed'
      ? `it did not exit within ${seconds(grace)} of SIGTERM and was killed (SIGKILL)`
      : 'it was stopped with SIGTERM';
    throw new TunefileError('TUNEFILE_INTERRUPTED', `${ctx.address}: interrupted`, {
      details: [`'${program}' and the processes it started: ${how}`, ...(log.bytes > 0 ? [`output so far: ${shownLog}`] : [])],
    });
  }
  if (result.failed) {
    const why = result.exitCode !== undefined
      ? `exited with code ${result.exitCode}`
      : result.code === 'ENOENT'
        ? `could not be started: '${program}' was not found`
        : result.signal
          ? `was killed by ${result.signal}`
          // Not execa's message: it quotes the whole command line, and an argument may hold a secret.
          : `could not be started (${result.code ?? 'unknown error'})`;
    const stderr = log.stderr.lines(TAIL_LINES);
    const tail = stderr.length > 0 ? ['stderr (last lines):', ...stderr] : log.all.lines(TAIL_LINES).length > 0 ? ['output (last lines):', ...log.all.lines(TAIL_LINES)] : [];
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: '${program}' ${why}`, {
      details: [...tail.map((l, i) => (i === 0 ? l : `  ${l}`)), ...(log.bytes > 0 ? [`full output: ${shownLog}`] : [])],
      ...(result.code === 'ENOENT' ? { hint: 'install it, or give its path relative to the pipeline file' } : {}),
      ...(result.code === 'EACCES' ? { hint: `make it executable (chmod +x ${program})` } : {}),
    });
  }
  if (logError) {
    // The outputs may be fine, but a run whose log is incomplete is not one to cache silently.
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: could not write the program's output to ${shownLog}: ${logError.message}`, {
      hint: 'free some disk space, then run again',
    });
  }
  if (leftovers !== 'gone') {
    ctx.warn(`'${program}' exited but left processes running in its process group; they were ${leftovers === 'killed' ? 'killed (SIGKILL)' : 'stopped (SIGTERM)'}`);
  }
  settleOutputs(ctx.address, outputNames(ctx.params), (name) => ctx.output(name));
  // The first line is the summary; the next ones (the output's last lines) are shown with `run --verbose`.
  const last = log.all.lines(VERBOSE_LINES);
  const summary = log.bytes > 0 ? `${program} exited 0; output in ${shownLog}` : `${program} exited 0 (no output)`;
  return { summary: [summary, ...last].join('\n') };
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`;
}
