// What restoring a cached evaluate would redo in its `report:` folder, for `status` (StageDef.restoreWork): cheap,
// a few stats and, only when the sizes agree, a read of the copies and blobs (a report, never a dataset).
import { readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { RestoreWhere } from '../types.ts';

/** The report-folder copies that restore() re-publishes, with the output each one copies (report.md is rendered). */
const COPIES = [['report.html', 'report'], ['metrics.json', 'metrics'], ['report.md', undefined]] as const;

/** "report copies missing in reports/x (report.html): run restores them", or undefined when every copy is in place. */
export function reportCopiesWork(report: string | undefined, where: RestoreWhere): string | undefined {
  if (report === undefined) return undefined;
  const dir = resolve(where.pipelineDir, report);
  const missing: string[] = [];
  const changed: string[] = [];
  for (const [name, output] of COPIES) {
    const path = join(dir, name);
    let size: number;
    try {
      size = statSync(path).size;
    } catch (error) {
      void error; // absent (or unreadable): restore writes it
      missing.push(name);
      continue;
    }
    const blob = output === undefined ? undefined : where.outputs[output];
    if (blob && (size !== blob.bytes || !readFileSync(path).equals(readFileSync(blob.path)))) changed.push(name);
  }
  if (missing.length === 0 && changed.length === 0) return undefined;
  const shown = relative(where.projectRoot, dir).split(sep).join('/') || '.';
  const parts = [
    ...(missing.length ? [`missing (${missing.join(', ')})`] : []),
    ...(changed.length ? [`different from the cached report (${changed.join(', ')})`] : []),
  ];
  return `report copies in ${shown} ${parts.join(' and ')}: run restores them`;
}
