// Text helpers shared by the HTML and Markdown renderings: number formats and escaping.

/** A metric for display: integers as-is, other numbers with 4 decimals, null as an em dash. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Escapes text for one Markdown table cell: one line, no pipes, no inline markup. */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/[\\`*_[\]<>|#~]/g, (ch) => `\\${ch}`);
}

/** Shortens long text to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The largest off-diagonal confusion counts among the class rows: what the model mixes up most. */
export function listTopConfusions(
  confusion: { labels: string[]; matrix: number[][] },
  classCount: number,
  limit: number,
): { expected: string; predicted: string; count: number }[] {
  const cells: { expected: string; predicted: string; count: number }[] = [];
  for (let i = 0; i < classCount; i++) {
    confusion.labels.forEach((predicted, j) => {
      const count = confusion.matrix[i]![j]!;
      if (i !== j && count > 0) cells.push({ expected: confusion.labels[i]!, predicted, count });
    });
  }
  // Stable sort: ties keep matrix order, so output is deterministic.
  return cells.sort((a, b) => b.count - a.count).slice(0, limit);
}
