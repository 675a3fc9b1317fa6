// Subscriber that collects the `run --json` document (schemas/run-report.schema.json).
import type { RunListener, StageEndEvent } from './events.ts';

export interface RunReportStage {
  id: string;
  type: string;
  /** What happened to the stage in this run (ran, cached, failed, skipped); `status --json` says `state` instead. */
  status: StageEndEvent['status'];
  key: string | null;
  duration_ms: number;
  reasons: string[];
  outputs: StageEndEvent['outputs'];
  error: string | null;
  warnings: string[];
  /** What the user must act on after the run (a billing deployment left running, with the command that removes it). */
  notices: string[];
}

/** How many stages ended each way. */
export interface RunCounts {
  ran: number;
  cached: number;
  failed: number;
  skipped: number;
}

/** A run-level error (invalid pipeline, lock held, usage), as it appears in the CLI's JSON documents. */
export interface JsonError {
  code: string;
  message: string;
  hint: string | null;
  details: string[];
}

export interface RunReport {
  ok: boolean;
  interrupted: boolean;
  /** The pipeline file relative to the project root; null when it could not be loaded. */
  pipeline: string | null;
  counts: RunCounts;
  stages: RunReportStage[];
  /** Headline metrics of the stages that recorded some (evaluate), by stage id: metric -> number, as in the lock file. */
  metrics: Record<string, Record<string, number>>;
  /** Why the run could not start or went no further; null when it ran (stage failures are in `stages`). */
  error: JsonError | null;
}

/** A report for a run that never reached its stages. */
export function makeErrorReport(error: JsonError, pipeline: string | null = null): RunReport {
  return { ok: false, interrupted: error.code === 'TUNEFILE_INTERRUPTED', pipeline, counts: countStages([]), stages: [], metrics: {}, error };
}

/** A listener plus the report it fills in. */
export function makeJsonReport(pipeline: string): { listener: RunListener; report: RunReport } {
  const report: RunReport = { ok: false, interrupted: false, pipeline, counts: countStages([]), stages: [], metrics: {}, error: null };
  const warnings = new Map<string, string[]>();
  const notices = new Map<string, string[]>();
  let order: string[] = [];
  const listener: RunListener = (event) => {
    if (event.type === 'run:start') order = event.stages.map((s) => s.id);
    if (event.type === 'stage:warning') warnings.set(event.id, [...(warnings.get(event.id) ?? []), event.message]);
    if (event.type === 'stage:notice') notices.set(event.id, [...(notices.get(event.id) ?? []), event.message]);
    if (event.type === 'stage:end') {
      // A stage sent back to rerun (its output was found corrupt by a consumer) ends twice: the last end counts.
      report.stages = report.stages.filter((s) => s.id !== event.id);
      report.stages.push({
        id: event.id,
        type: event.stageType,
        status: event.status,
        key: event.key,
        duration_ms: event.durationMs,
        reasons: event.reasons,
        outputs: event.outputs,
        error: event.error,
        warnings: warnings.get(event.id) ?? [],
        notices: notices.get(event.id) ?? [],
      });
      const metrics = numbersOf(event.record?.metrics);
      if (metrics) report.metrics[event.id] = metrics;
    }
    if (event.type === 'run:end') {
      // Stages end in any order when they run in parallel; the report lists them in plan order.
      report.stages.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
      report.metrics = Object.fromEntries(report.stages.filter((s) => report.metrics[s.id]).map((s) => [s.id, report.metrics[s.id]!]));
      report.counts = countStages(report.stages);
      report.ok = event.ok;
      report.interrupted = event.interrupted;
    }
  };
  return { listener, report };
}

function countStages(stages: { status: StageEndEvent['status'] }[]): RunCounts {
  const counts: RunCounts = { ran: 0, cached: 0, failed: 0, skipped: 0 };
  for (const s of stages) counts[s.status] += 1;
  return counts;
}

/** A lock entry's `metrics` as metric -> number (nested objects flattened with dots, as `tunefile metrics` does). */
function numbersOf(value: unknown, prefix = '', out: Record<string, number> = {}): Record<string, number> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === 'number' && Number.isFinite(v)) out[`${prefix}${name}`] = v;
    else numbersOf(v, `${prefix}${name}.`, out);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
