// What dedupe means, written as plainly as possible (whole texts in Maps, all rows in memory): the reference the
// stage's streaming implementations are compared against. It shares no code with src/stages/dedupe/.

export interface ReferenceOptions {
  on: 'prompt' | 'prompt+completion';
  keep: 'first' | 'last';
  normalize: 'none' | 'whitespace' | 'casefold';
  conflicts: 'keep-first' | 'drop' | 'fail';
}

interface Ref {
  row: number;
  file?: string;
}

interface Input {
  prompt?: string;
  completion?: string;
  messages?: { role: string; content?: string | null }[];
  _row?: number;
  _file?: string;
}

/** The report fields dedupe writes, and the indices of the rows it keeps (in input order). */
export interface ReferenceResult {
  kept: number[];
  removed_rows: (Ref & { reason: 'duplicate' | 'conflict'; kept?: Ref })[];
  conflicts: { prompt: string; rows: (Ref & { label: string })[]; labels: Record<string, number> }[];
  duplicates_removed: number;
  conflicts_removed: number;
  /** With conflicts: fail and at least one conflicting prompt. */
  fails: boolean;
}

function texts(r: Input): { prompt: string; completion: string } {
  if (!Array.isArray(r.messages)) return { prompt: r.prompt ?? '', completion: r.completion ?? '' };
  let last = -1;
  r.messages.forEach((m, i) => {
    if (m.role === 'assistant') last = i;
  });
  return {
    prompt: r.messages.filter((_, i) => i !== last).map((m) => `${m.role}: ${m.content ?? ''}`).join('\n'),
    completion: last < 0 ? '' : String(r.messages[last]!.content ?? ''),
  };
}

function norm(text: string, how: ReferenceOptions['normalize']): string {
  if (how === 'none') return text;
  const words = text.split(/\s+/).filter((w) => w !== '').join(' ');
  return how === 'casefold' ? words.toLowerCase() : words;
}

const refOf = (r: Input): Ref => (r._file === undefined ? { row: r._row ?? 0 } : { row: r._row ?? 0, file: r._file });

export function referenceDedupe(records: Input[], o: ReferenceOptions): ReferenceResult {
  const rows = records.map((r, i) => {
    const t = texts(r);
    const prompt = norm(t.prompt, o.normalize);
    const completion = norm(t.completion, o.normalize);
    return { i, r, t, prompt, completion, group: o.on === 'prompt' ? prompt : JSON.stringify([prompt, completion]) };
  });
  const byPrompt = new Map<string, typeof rows>();
  const byGroup = new Map<string, typeof rows>();
  for (const x of rows) {
    byPrompt.set(x.prompt, [...(byPrompt.get(x.prompt) ?? []), x]);
    byGroup.set(x.group, [...(byGroup.get(x.group) ?? []), x]);
  }
  const conflicting = (prompt: string) => new Set(byPrompt.get(prompt)!.map((x) => x.completion)).size > 1;
  const keeperOf = (group: string) => (o.keep === 'first' ? byGroup.get(group)![0]! : byGroup.get(group)!.at(-1)!);
  const result: ReferenceResult = { kept: [], removed_rows: [], conflicts: [], duplicates_removed: 0, conflicts_removed: 0, fails: false };
  const duplicate = (x: (typeof rows)[number], keeper: (typeof rows)[number]) => {
    result.removed_rows.push({ ...refOf(x.r), reason: 'duplicate', kept: refOf(keeper.r) });
    result.duplicates_removed += 1;
  };
  const conflict = (x: (typeof rows)[number]) => {
    result.removed_rows.push({ ...refOf(x.r), reason: 'conflict' });
    result.conflicts_removed += 1;
  };
  for (const x of rows) {
    if (conflicting(x.prompt) && o.conflicts !== 'fail') {
      const first = byPrompt.get(x.prompt)![0]!;
      if (o.conflicts === 'drop' || x.completion !== first.completion) {
        conflict(x);
        continue;
      }
      // keep-first: the rows with the first completion are duplicates of the first row (per pair with prompt+completion).
      const keeper = o.on === 'prompt' ? first : keeperOf(x.group);
      if (keeper === x) result.kept.push(x.i);
      else duplicate(x, keeper);
      continue;
    }
    const keeper = keeperOf(x.group);
    if (keeper === x) result.kept.push(x.i);
    else duplicate(x, keeper);
  }
  const listed = new Set<string>();
  for (const x of rows) {
    if (listed.has(x.prompt) || !conflicting(x.prompt)) continue;
    listed.add(x.prompt);
    const members = byPrompt.get(x.prompt)!;
    const labels: Record<string, number> = {};
    for (const m of members) labels[m.t.completion] = (labels[m.t.completion] ?? 0) + 1;
    const shown = x.t.prompt.length > 200 ? x.t.prompt.slice(0, 200) + '…' : x.t.prompt;
    result.conflicts.push({ prompt: shown, rows: members.map((m) => ({ ...refOf(m.r), label: m.t.completion })), labels });
  }
  result.fails = o.conflicts === 'fail' && result.conflicts.length > 0;
  return result;
}
