// Runs the program with execa: argument array, no shell, in the pipeline's folder.
import { existsSync } from 'node:fs';
import { TunefileError } from '../../errors.ts';
import type { StageContext, StageResult } from '../types.ts';
import type { CommandParams } from './index.ts';

const STDERR_TAIL_LINES = 20;

/** Replaces {in.NAME} and {out.NAME} in one argument with file paths. */
export function substitute(arg: string, ctx: Pick<StageContext, 'inputs' | 'output'>, address: string): string {
  return arg.replace(/\{(in|out)\.([A-Za-z0-9_-]+)\}/g, (_, kind: string, name: string) => {
    if (kind === 'out') return ctx.output(name);
    const input = ctx.inputs[name];
    if (!input) throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: no input artifact '${name}' for {in.${name}}`);
    return input.path;
  });
}

export async function run(ctx: StageContext<CommandParams>): Promise<StageResult> {
  const { execa } = await import('execa');
  const [program, ...args] = ctx.params.run.map((a) => substitute(a, ctx, ctx.address));
  const result = await execa(program!, args, {
    cwd: ctx.pipelineDir,
    env: ctx.params.env,
    extendEnv: true,
    shell: false,
    reject: false,
    stdin: 'ignore',
    cancelSignal: ctx.signal,
    all: false,
  });
  if (result.failed) {
    const tail = String(result.stderr ?? '').split('\n').slice(-STDERR_TAIL_LINES).join('\n').trim();
    const why = result.isCanceled
      ? 'was interrupted'
      : result.exitCode !== undefined
        ? `exited with code ${result.exitCode}`
        : result.code === 'ENOENT'
          ? `could not be started: '${program}' was not found`
          : `failed: ${result.shortMessage}`;
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: '${program}' ${why}`, {
      details: tail ? ['stderr (last lines):', ...tail.split('\n').map((l) => `  ${l}`)] : [],
    });
  }
  const names = new Set(ctx.params.outputs);
  for (const arg of ctx.params.run) for (const m of arg.matchAll(/\{out\.([A-Za-z0-9_-]+)\}/g)) names.add(m[1]!);
  const missing = [...names].filter((n) => !existsSync(ctx.output(n)));
  if (missing.length > 0) {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: the program exited 0 but did not write output ${missing.map((m) => `'${m}'`).join(', ')}`, {
      hint: `write each declared output to the path given by {out.NAME}`,
    });
  }
  return { summary: `${program} exited 0` };
}
