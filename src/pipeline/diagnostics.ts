// Problems found in a pipeline or config file, and how they are printed: `file:line:col path: message` + code frame.
import { TunefileError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { makeCodeFrame } from './code-frame.ts';
import { formatPath, isPathPrefix } from './json-path.ts';
import { locatePath, positionAt } from './source.ts';
import type { PathSegment, YamlSource } from './source.ts';

/** One problem, addressed by JSON path (or by offset for YAML syntax errors). */
export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  /** JSON path into the document; [] for the whole file. */
  path: PathSegment[];
  /** Point at the key of `path` (unknown keys, stage-level problems) rather than its value. */
  at?: 'key' | 'value';
  /** Byte offset in the source, when known directly (YAML syntax errors). */
  offset?: number;
  kind?: 'yaml' | 'schema' | 'interpolation' | 'rule' | 'cycle';
}

/** A `--set` argument and the JSON path it wrote. */
export interface SetOverride {
  arg: string;
  path: PathSegment[];
}

/** A diagnostic with its position resolved, as reported to users and in `validate --json`. */
export interface ReportedDiagnostic {
  severity: 'error' | 'warning';
  file: string;
  line: number | null;
  col: number | null;
  /** Dotted JSON path (`stages.split.with.valid`). */
  path: string;
  message: string;
  /** The `--set` argument the value came from, if any. */
  set: string | null;
  kind: string;
  /** Header line plus code frame, as printed. */
  text: string;
}

/** The error thrown for an invalid pipeline or config file: one `details` entry per problem. */
export class PipelineInvalidError extends TunefileError {
  readonly diagnostics: ReportedDiagnostic[];
  readonly warnings: ReportedDiagnostic[];
  constructor(code: ErrorCode, file: string, diagnostics: ReportedDiagnostic[], warnings: ReportedDiagnostic[] = []) {
    const n = diagnostics.length;
    super(code, `${file}: ${n} error${n === 1 ? '' : 's'}`, { details: diagnostics.map((d) => d.text) });
    this.name = 'PipelineInvalidError';
    this.diagnostics = diagnostics;
    this.warnings = warnings;
  }
}

/** Resolves positions and renders each diagnostic; sorted by line, --set problems first. */
export function reportDiagnostics(source: YamlSource, list: Diagnostic[], sets: SetOverride[] = []): ReportedDiagnostic[] {
  const order = (r: ReportedDiagnostic) => (r.set === null ? sets.length : sets.findIndex((s) => s.arg === r.set));
  return list
    .map((d) => reportOne(source, d, sets))
    .sort((a, b) => order(a) - order(b) || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

function reportOne(source: YamlSource, d: Diagnostic, sets: SetOverride[]): ReportedDiagnostic {
  const path = formatPath(d.path);
  const base = { severity: d.severity, file: source.displayFile, path, message: d.message, kind: d.kind ?? 'rule' };
  const set = d.offset === undefined ? findSet(sets, d.path) : undefined;
  if (set) {
    return { ...base, line: null, col: null, set: set.arg, text: `--set ${set.arg}: ${path}: ${d.message}` };
  }
  const { line, col } = d.offset !== undefined ? positionAt(source, d.offset) : locatePath(source, d.path, d.at);
  const where = d.path.length > 0 && d.offset === undefined ? ` ${path}` : '';
  const frame = makeCodeFrame(source.text, line, col).replace(/^/gm, '    ');
  const text = `${source.displayFile}:${line}:${col}${where}: ${d.message}${frame ? `\n${frame}` : ''}`;
  return { ...base, line, col, set: null, text };
}

/** The longest --set path that contains `path` (the value came from that argument). */
function findSet(sets: SetOverride[], path: PathSegment[]): SetOverride | undefined {
  let best: SetOverride | undefined;
  for (const s of sets) if (isPathPrefix(s.path, path) && (!best || s.path.length > best.path.length)) best = s;
  return best;
}

/** Throws PipelineInvalidError when any diagnostic is an error. */
export function throwIfErrors(source: YamlSource, list: Diagnostic[], sets: SetOverride[], code: ErrorCode = 'TUNEFILE_INVALID_PIPELINE'): void {
  const errors = list.filter((d) => d.severity === 'error');
  if (errors.length === 0) return;
  const warnings = list.filter((d) => d.severity === 'warning');
  const onlyCycles = errors.every((d) => d.kind === 'cycle');
  throw new PipelineInvalidError(
    onlyCycles && code === 'TUNEFILE_INVALID_PIPELINE' ? 'TUNEFILE_CYCLE' : code,
    source.displayFile,
    reportDiagnostics(source, errors, sets),
    reportDiagnostics(source, warnings, sets),
  );
}
