// `tunefile metrics`: prints the lock file's evaluation metrics, or diffs them against a git revision.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseFlags } from './args.ts';
import type { Command } from './command.ts';
import { withJsonErrors, writeJson } from './json-output.ts';

const HELP = `Usage: tunefile metrics [PIPELINE] [--diff REV] [--json]

Shows the headline metrics that evaluate stages recorded in the lock file beside PIPELINE
(pipelines/spam.yaml -> pipelines/spam.lock), one line per stage and metric.

Arguments:
  PIPELINE        pipeline file (default: pipeline.yaml in the current folder, then the config's "pipeline")

Options:
  --diff REV      compare with the lock file as committed at git revision REV (HEAD, HEAD~1,
                  a branch or tag): columns old (at REV), new (working tree) and change
  --json          print one JSON document instead of a table (schemas/metrics.schema.json), also on errors:
                    {"ok", "lock": PATH, "metrics": {STAGE: {METRIC: VALUE}}, "error"}
                    {"ok", "lock": PATH, "rev": REV, "diff": {STAGE: {METRIC: {"old", "new", "change"}}}, "error"}
                  "change" is rounded to 12 significant digits of the larger value (0.9875 - 0.95 is 0.0375)

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
      if (values.json) writeJson(io, { ok: true, lock: shown, metrics: current, error: null });
      else if (Object.keys(current).length === 0) io.stdout.write(`No metrics in ${shown}.\n`);
      else io.stdout.write(tables.formatMetricsTable(current));
      return 0;
    }
    const { readFileAtRevision } = await import('../report/git-revision.ts');
    const oldText = await readFileAtRevision(lockPath, values.diff, shown);
    const diff = report.diffMetrics(report.parseLockMetrics(oldText, `${values.diff}:${shown}`), current);
    if (values.json) {
      const nested: Record<string, Record<string, { old: number | null; new: number | null; change: number | null }>> = {};
      for (const d of diff) (nested[d.stage] ??= {})[d.metric] = { old: d.old, new: d.new, change: roundChange(d.change, d.old, d.new) };
      writeJson(io, { ok: true, lock: shown, rev: values.diff, diff: nested, error: null });
    } else if (diff.length === 0) io.stdout.write(`No metrics in ${shown} or at ${values.diff}.\n`);
    else io.stdout.write(tables.formatMetricsDiffTable(diff));
    return 0;
  },
};
// With --json, a missing lock file or a bad revision is still one document, of the shape the flags ask for.
export default withJsonErrors(command, (argv, error) => {
  const rev = argv.find((a, i) => a.startsWith('--diff=') || argv[i - 1] === '--diff');
  if (rev === undefined && !argv.includes('--diff')) return { ok: false, lock: null, metrics: null, error };
  return { ok: false, lock: null, rev: rev?.replace(/^--diff=/, '') ?? null, diff: null, error };
});

/**
 * A change without binary floating-point noise (0.9875 - 0.95 is 0.03749999999999998): rounded to 12 significant
 * digits of the larger of the two values, so a change far below what the values can hold becomes 0.
 */
export function roundChange(change: number | null, before: number | null, after: number | null): number | null {
  if (change === null || !Number.isFinite(change)) return change;
  const scale = Math.max(Math.abs(before ?? 0), Math.abs(after ?? 0), Math.abs(change));
  if (scale === 0) return 0;
  const decimals = Math.min(20, Math.max(0, 11 - Math.floor(Math.log10(scale))));
  const rounded = Number(change.toFixed(decimals));
  return rounded === 0 ? 0 : rounded; // no -0 in JSON output
}

function parseMetricsArgs(argv: string[]) {
  return parseFlags('metrics', argv, { diff: { type: 'string' }, json: { type: 'boolean', default: false } });
}

/** The pipeline whose lock to read: the argument, else ./pipeline.yaml (or its lock alone), else the config's pipeline. */
async function resolveMetricsPipeline(arg: string | undefined, cwd: string): Promise<string> {
  if (arg !== undefined) return resolve(cwd, arg);
  const local = join(cwd, 'pipeline.yaml');
  if (existsSync(local) || existsSync(join(cwd, 'pipeline.lock'))) return local;
  const { findPipelineFile } = await import('../pipeline/find-pipeline.ts');
  return findPipelineFile(undefined, cwd);
}
