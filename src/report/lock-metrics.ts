// Headline metrics from a pipeline's lock file, and their difference between two versions of it.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { DataError, TunefileError } from '../errors.ts';

/** Metrics per stage id: metric name (nested objects flattened with dots) -> number. */
export type StageMetrics = Record<string, Record<string, number>>;

/** One line of a metrics diff; old or new is null when that version lacks the metric. */
export interface MetricDiff {
  stage: string;
  metric: string;
  old: number | null;
  new: number | null;
  /** new - old when both exist, else null. */
  change: number | null;
}

/** The lock file beside a pipeline file: `pipelines/spam.yaml` -> `pipelines/spam.lock`. */
export function getLockPath(pipelinePath: string): string {
  const ext = extname(pipelinePath);
  return (ext ? pipelinePath.slice(0, -ext.length) : pipelinePath) + '.lock';
}

/**
 * Extracts `stages.<id>.metrics` from lock-file text, stages and metrics sorted; stages without metrics are left out.
 * @throws DataError naming `source` when the text is not a version-1 lock file.
 */
export function parseLockMetrics(text: string, source: string): StageMetrics {
  let lock: unknown;
  try {
    lock = JSON.parse(text);
  } catch (error) {
    throw new DataError(`${source}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isObject(lock) || !isObject(lock.stages)) throw new DataError(`${source}: expected a lock file with a "stages" object`);
  if (lock.version !== 1) throw new DataError(`${source}: unsupported lock file version ${JSON.stringify(lock.version)} (expected 1)`);
  const out: StageMetrics = {};
  for (const id of Object.keys(lock.stages).sort(compare)) {
    const stage = lock.stages[id];
    if (!isObject(stage) || !isObject(stage.metrics)) continue;
    const flat: Record<string, number> = {};
    flattenNumbers(stage.metrics, '', flat);
    const names = Object.keys(flat).sort(compare);
    if (names.length) out[id] = Object.fromEntries(names.map((name) => [name, flat[name]!]));
  }
  return out;
}

/**
 * Reads and parses a lock file's metrics.
 * @throws TunefileError TUNEFILE_NOT_FOUND when the file is missing; DataError when it is malformed.
 */
export async function readLockMetrics(lockPath: string, displayPath = lockPath): Promise<StageMetrics> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new TunefileError('TUNEFILE_NOT_FOUND', `${displayPath} does not exist`, {
      cause: error,
      hint: 'run the pipeline first (tunefile run); the lock file is written beside the pipeline file',
    });
  }
  return parseLockMetrics(text, displayPath);
}

/** Every (stage, metric) in either version, sorted, with the change from old to new. */
export function diffMetrics(oldMetrics: StageMetrics, newMetrics: StageMetrics): MetricDiff[] {
  const keys = new Set<string>();
  for (const metrics of [oldMetrics, newMetrics]) {
    for (const [stage, values] of Object.entries(metrics)) for (const metric of Object.keys(values)) keys.add(JSON.stringify([stage, metric]));
  }
  const rows = [...keys].map((key) => {
    const [stage, metric] = JSON.parse(key) as [string, string];
    const before = oldMetrics[stage]?.[metric] ?? null;
    const after = newMetrics[stage]?.[metric] ?? null;
    return { stage, metric, old: before, new: after, change: before !== null && after !== null ? after - before : null };
  });
  return rows.sort((a, b) => compare(a.stage, b.stage) || compare(a.metric, b.metric));
}

function flattenNumbers(value: Record<string, unknown>, prefix: string, out: Record<string, number>): void {
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'number' && Number.isFinite(v)) out[prefix + key] = v;
    else if (isObject(v)) flattenNumbers(v, `${prefix}${key}.`, out);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
