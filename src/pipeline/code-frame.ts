// A short code frame: the line with a problem, two lines around it, and a caret under the column.

/** Renders `text` around 1-based `line`/`col` with line numbers and a caret. */
export function makeCodeFrame(text: string, line: number, col: number, context = 2): string {
  const lines = text.split(/\r?\n/);
  if (line < 1 || line > lines.length) return '';
  const first = Math.max(1, line - context);
  const last = Math.min(lines.length, line + context);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const content = expandTabs(lines[n - 1]!);
    if (n === last && content.trim() === '' && n > line) break;
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${content}`.trimEnd());
    if (n === line) {
      const lead = expandTabs(lines[n - 1]!.slice(0, Math.max(0, col - 1))).replace(/\S/g, ' ');
      out.push(`  ${' '.repeat(width)} | ${lead}^`);
    }
  }
  return out.join('\n');
}

function expandTabs(s: string): string {
  return s.replace(/\t/g, '  ');
}
