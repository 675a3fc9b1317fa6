// `tunefile run [PIPELINE] [options]`: run what is stale.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { dryRunPipeline, runPipeline } from '../engine/run-pipeline.ts';
import type { RunListener } from '../engine/events.ts';
import { makeErrorReport, type RunReportStage } from '../engine/json-report.ts';
import { redact, secretsInEnv } from '../providers/redact.ts';
import { parseFlags, parsePositiveInt } from './args.ts';
import type { CliIO, Command } from './command.ts';
import { withJsonErrors, writeJson } from './json-output.ts';
import { isInterruption, makePlainProgress, makeTreeProgress, wantsTree } from './progress.ts';

const help = `Usage: tunefile run [PIPELINE] [options]

Runs the stages of PIPELINE that are stale; everything else is restored from the cache.
PIPELINE defaults to pipeline.yaml in the current folder, then the config's "pipeline".

Options:
  --stage ID          only this stage and what it needs (repeatable)
  --downstream        with --stage: also every stage below it
  --force [ID]        rerun all stages, or stage ID, even if cached (a forced train creates a new job)
  --dry-run           print the plan with reasons; run nothing
  --set KEY=VALUE     override a pipeline value, e.g. --set train.with.n_epochs=8 (repeatable)
  --keep-going        a failed stage skips only its dependents; independent stages still run
  --jobs N            run up to N independent stages at once (default: number of CPUs)
  --no-wait           exit 1 at once if another run holds the project, instead of waiting
  --yes               accept cost-guard prompts (estimated cost above max_cost_usd)
  --verify            rehash cached blobs before trusting them
  --json              print one JSON document on stdout at the end, also on errors (schemas/run-report.schema.json;
                      with --dry-run, schemas/run-plan.schema.json); progress goes to stderr
  --verbose           after each command stage, print the last lines of its output (all of it is in .tunefile/logs/)

Exit codes: 0 success, 1 a stage failed or the project is locked (--no-wait), 2 invalid pipeline or usage, 130 interrupted.`;

/** Turns `--force ID` into `--force-stage ID` when ID is not the pipeline file. */
export function normalizeForce(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--force=')) {
      out.push('--force-stage', arg.slice('--force='.length));
    } else if (arg === '--force') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-') && !/\.ya?ml$/.test(next) && !existsSync(next)) {
        out.push('--force-stage', next);
        i++;
      } else {
        out.push('--force');
      }
    } else {
      out.push(arg);
    }
  }
  return out;
}

const command: Command = {
  name: 'run',
  summary: 'run the stages that are stale',
  help,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseFlags('run', normalizeForce(argv), {
      stage: { type: 'string', multiple: true },
      downstream: { type: 'boolean' },
      force: { type: 'boolean' },
      'force-stage': { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      set: { type: 'string', multiple: true },
      'keep-going': { type: 'boolean' },
      jobs: { type: 'string' },
      'no-wait': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      verify: { type: 'boolean' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
    });
    const file = positionals[0] ? resolve(io.cwd, positionals[0]) : undefined;
    const jobs = parsePositiveInt('run', '--jobs', values.jobs);
    const force = values.force ? true : values['force-stage']?.length ? values['force-stage'] : false;
    const common = {
      ...(file ? { file } : {}),
      cwd: io.cwd,
      env: io.env,
      sets: values.set ?? [],
      ...(values.stage ? { stages: values.stage } : {}),
      downstream: values.downstream ?? false,
      force,
    };
    if (values['dry-run']) {
      const plan = await dryRunPipeline(common);
      if (values.json) {
        writeJson(io, { ok: true, dry_run: true, ...plan, error: null });
      } else {
        for (const s of plan.stages) {
          const what = s.action === 'restore' ? (s.state === 'up-to-date' ? 'up-to-date' : 'would restore from cache') : 'would run';
          io.stdout.write(redact(`${s.id.padEnd(16)} ${what}${s.reasons.length ? `: ${s.reasons.join('; ')}` : ''}`, secretsInEnv(io.env)) + '\n');
        }
      }
      return 0;
    }
    const shown = { verbose: values.verbose ?? false };
    const listeners: RunListener[] = [wantsTree(io) ? makeTreeProgress(io, shown) : makePlainProgress(io, shown)];
    const report = await runPipeline({
      ...common,
      keepGoing: values['keep-going'] ?? false,
      ...(jobs ? { jobs } : {}),
      verify: values.verify ?? false,
      yes: values.yes ?? false,
      wait: !values['no-wait'],
      signal: io.signal,
      listeners,
      onWait: (message) => io.stderr.write(message + '\n'),
    });
    if (values.json) {
      writeJson(io, report);
      writeNotices(io, report.stages);
    } else {
      const count = (status: string) => report.stages.filter((s) => s.status === status).length;
      const parts = [`${count('ran')} ran`, `${count('cached')} cached`];
      if (count('failed')) parts.push(`${count('failed')} failed`);
      if (count('skipped')) parts.push(`${count('skipped')} skipped`);
      io.stdout.write(`${report.ok ? 'ok' : report.interrupted ? 'interrupted' : 'failed'}: ${report.pipeline}: ${parts.join(', ')}\n`);
      for (const s of report.stages.filter((st) => st.status === 'failed')) {
        const error = s.error ?? 'failed';
        const named = error.split('\n')[0]!.includes(`${s.id}:`);
        io.stderr.write(`${isInterruption(s.error) ? 'interrupted' : 'error'}: ${named ? '' : `${s.id}: `}${error}\n`);
      }
      writeNotices(io, report.stages);
    }
    if (report.interrupted) return 130;
    return report.ok ? 0 : 1;
  },
};
/** The stages' notices (a billing deployment left running, and how to remove it), last, where nothing scrolls them away. */
function writeNotices(io: CliIO, stages: RunReportStage[]): void {
  for (const s of stages) for (const notice of s.notices) io.stderr.write(`notice: ${s.id}: ${notice}\n`);
}

// With --json, an error before or around the stages (invalid pipeline, lock held) is still one document on stdout.
export default withJsonErrors(command, (argv, error) =>
  argv.includes('--dry-run') ? { ok: false, dry_run: true, pipeline: null, stages: [], error } : makeErrorReport(error));
