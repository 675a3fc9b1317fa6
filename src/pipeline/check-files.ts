// `validate`'s look at the workspace: every file a stage reads exists and is a regular file, then each stage type's
// own checks of those files (load: the columns it names are in the header).
import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { notRegularFileReason } from '../shared/regular-file.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { StageDraft } from './rules.ts';
import type { PathSegment } from './source.ts';

/** Problems with the workspace files of the stages whose params are valid, positioned at the parameter naming them. */
export async function checkWorkspaceFiles(stages: StageDraft[], pipelineDir: string): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const s of stages) {
    if (!s.def?.workspaceFiles || !s.valid) continue;
    const base: PathSegment[] = ['stages', s.id, 'with'];
    let usable = true;
    for (const abs of s.def.workspaceFiles(s.params, pipelineDir)) {
      const why = whyUnusable(abs);
      if (why === undefined) continue;
      usable = false;
      const found = findParam(s.params, pipelineDir, abs);
      out.push({ severity: 'error', kind: 'rule', path: [...base, ...(found?.path ?? [])], message: `source file ${found?.text ?? relative(pipelineDir, abs)} ${why}` });
    }
    if (!usable || !s.def.checkFiles) continue;
    for (const problem of await s.def.checkFiles(s.params, pipelineDir)) {
      out.push({ severity: 'error', kind: 'rule', path: [...base, ...problem.path], message: problem.message });
    }
  }
  return out;
}

/** Why a workspace file cannot be read, or undefined. stat() does not open: a FIFO or a device is named, never read. */
function whyUnusable(abs: string): string | undefined {
  try {
    if (statSync(abs, { throwIfNoEntry: false }) === undefined) return 'does not exist';
    return notRegularFileReason(abs);
  } catch (error) {
    // EACCES, ENOTDIR, ELOOP: the file cannot be reached, and the stage would fail the same way.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    return `cannot be read (${code}: ${(error as Error).message})`;
  }
}

/** The parameter (path inside `with`, and its text) whose string names `abs`, searched depth first. */
function findParam(value: unknown, dir: string, abs: string, path: PathSegment[] = []): { path: PathSegment[]; text: string } | undefined {
  if (typeof value === 'string') return resolve(dir, value) === abs ? { path, text: value } : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const entries: [PathSegment, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, v] of entries) {
    const found = findParam(v, dir, abs, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
