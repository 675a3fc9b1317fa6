// Subscriber that collects the `run --json` document.
import type { RunListener, StageEndEvent } from './events.ts';

export interface RunReportStage {
  id: string;
  type: string;
  status: StageEndEvent['status'];
  key: string | null;
  duration_ms: number;
  reasons: string[];
  outputs: StageEndEvent['outputs'];
  error: string | null;
  warnings: string[];
}

export interface RunReport {
  ok: boolean;
  interrupted: boolean;
  pipeline: string;
  stages: RunReportStage[];
}

/** A listener plus the report it fills in. */
export function makeJsonReport(pipeline: string): { listener: RunListener; report: RunReport } {
  const report: RunReport = { ok: false, interrupted: false, pipeline, stages: [] };
  const warnings = new Map<string, string[]>();
  let order: string[] = [];
  const listener: RunListener = (event) => {
    if (event.type === 'run:start') order = event.stages.map((s) => s.id);
    if (event.type === 'stage:warning') warnings.set(event.id, [...(warnings.get(event.id) ?? []), event.message]);
    if (event.type === 'stage:end') {
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
      });
    }
    if (event.type === 'run:end') {
      // Stages end in any order when they run in parallel; the report lists them in plan order.
      report.stages.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
      report.ok = event.ok;
      report.interrupted = event.interrupted;
    }
  };
  return { listener, report };
}
