// YAML syntax errors and warnings as diagnostics, with messages that say what to fix.
import type { Diagnostic } from './diagnostics.ts';
import type { YamlSource } from './source.ts';
import { aliasProblems } from './yaml-aliases.ts';

const HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'tabs are not allowed for indentation in YAML; indent with spaces',
  BAD_INDENT: 'bad indentation',
  MULTIPLE_DOCS: 'a pipeline file holds one YAML document; remove the extra ---',
};

/**
 * Every YAML error and warning of the parsed source, positioned by offset, and aliases that are undefined, recursive
 * or explode: without errors, toJS() is safe to call.
 */
export function yamlProblems(source: YamlSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [severity, list] of [['error', source.doc.errors], ['warning', source.doc.warnings]] as const) {
    for (const problem of list) {
      const offset = problem.pos[0];
      out.push({ severity, kind: 'yaml', path: [], offset, message: describeProblem(source.text, problem.code, problem.message, offset) });
    }
  }
  out.push(...aliasProblems(source));
  return out;
}

function describeProblem(text: string, code: string, message: string, offset: number): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^[^:\n]*/.exec(text.slice(offset))?.[0]?.trim() ?? '';
    return `duplicate key${key ? ` '${key.replace(/^["']|["']$/g, '')}'` : ''}: each key may appear once in a mapping`;
  }
  const hint = HINTS[code];
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return hint && hint !== first ? `${hint} (${first})` : `YAML syntax error: ${first}`;
}
