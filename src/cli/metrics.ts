// `tunefile metrics`: prints the lock file's evaluation metrics, or diffs them against a git revision.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import type { Command } from './command.ts';

const HELP = `Usage: tunefile metrics [PIPELINE] [--diff REV] [--json]

Shows the headline metrics that evaluate stages recorded in the lock file beside PIPELINE
(pipelines/spam.yaml -> pipelines/spam.lock), one line per stage and metric.

Arguments:
  PIPELINE        pipeline file (default: pipeline.yaml in the current folder, then the config's "pipeline")

Options:
  --diff REV      compare with the lock file as committed at git revision REV (HEAD, HEAD~1,
                  a branch or tag): columns old (at REV), new (working tree) and change
  --json          print one JSON document instead of a table:
                    {"lock": PATH, "metrics": {STAGE: {METRIC: VALUE}}}
                    {"lock": PATH, "rev": REV, "diff": {STAGE: {METRIC: {"old", "new", "change"}}}}

Exit codes: 0 success; 1 the lock file is missing (now, or at REV) or malformed;
2 bad usage, not a git repository, or REV does not exist.`;

const command: Command = {
  name: 'metrics',
  summary: "show the lock file's evaluation metrics, or diff them against a git revision",
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseMetricsArgs(argv);
    const pipeline = await resolveMetricsPipeline(positionals[0], io.cwd);
    const report = await import('../report/lock-metrics.ts');
    const tables = await import('../report/metrics-table.ts');
    const lockPath = report.getLockPath(pipeline);
    const shown = relative(io.cwd, lockPath) || lockPath;
    const current = await report.readLockMetrics(lockPath, shown);
    if (values.diff === undefined) {
      if (values.json) io.stdout.write(JSON.stringify({ lock: shown, metrics: current }, null, 2) + '\n');
      else if (Object.keys(current).length === 0) io.stdout.write(`No metrics in ${shown}.\n`);
      else io.stdout.write(tables.formatMetricsTable(current));
      return 0;
    }
    const { readFileAtRevision } = await import('../report/git-revision.ts');
    const oldText = await readFileAtRevision(lockPath, values.diff, shown);
    const diff = report.diffMetrics(report.parseLockMetrics(oldText, `${values.diff}:${shown}`), current);
    if (values.json) {
      const nested: Record<string, Record<string, { old: number | null; new: number | null; change: number | null }>> = {};
      for (const d of diff) (nested[d.stage] ??= {})[d.metric] = { old: d.old, new: d.new, change: d.change };
      io.stdout.write(JSON.stringify({ lock: shown, rev: values.diff, diff: nested }, null, 2) + '\n');
    } else if (diff.length === 0) io.stdout.write(`No metrics in ${shown} or at ${values.diff}.\n`);
    else io.stdout.write(tables.formatMetricsDiffTable(diff));
    return 0;
  },
};
export default command;

function parseMetricsArgs(argv: string[]) {
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { diff: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    if (parsed.positionals.length > 1) throw new UsageError(`expected at most one PIPELINE, got ${parsed.positionals.join(' ')}`);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message, { hint: "see 'tunefile metrics --help'" });
  }
}

/** The pipeline whose lock to read: the argument, else ./pipeline.yaml (or its lock alone), else the config's pipeline. */
async function resolveMetricsPipeline(arg: string | undefined, cwd: string): Promise<string> {
  if (arg !== undefined) return resolve(cwd, arg);
  const local = join(cwd, 'pipeline.yaml');
  if (existsSync(local) || existsSync(join(cwd, 'pipeline.lock'))) return local;
  const { findPipelineFile } = await import('../pipeline/find-pipeline.ts');
  return findPipelineFile(undefined, cwd);
}
