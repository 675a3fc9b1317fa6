// Label codes for `labels:`: a distinct single-token code for every class (`labels: auto`), or an explicit map checked,
// and the labels artifact (its format is src/data/labels.ts).
import { DataError } from '../../errors.ts';
import type { LabelsArtifact } from '../../data/labels.ts';
import type { TokenEncoder as Encoder } from '../../tokens/encoding.ts';

/** True when `text` (with the leading space if `space`) is exactly one token. */
function isSingleToken(enc: Encoder, text: string, space: boolean): boolean {
  return enc.encodeOrdinary(space ? ' ' + text : text).length === 1;
}

/** Candidate codes for one label: its own words (rarest across labels first), then letters and pairs. */
function* candidateCodes(label: string, wordCount: Map<string, number>): Generator<string> {
  const words = splitWords(label);
  const ranked = words.map((w, i) => ({ w, i })).sort((a, b) => (wordCount.get(a.w)! - wordCount.get(b.w)!) || a.i - b.i);
  for (const { w } of ranked) yield w;
  if (words.length > 1) yield words.join('');
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (const a of letters) yield a;
  for (const a of letters.toLowerCase()) yield a;
  for (const a of letters) for (const b of letters) yield a + b;
}

function splitWords(label: string): string[] {
  return label.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
}

/**
 * A distinct single-token code for every label (`labels: auto`), deterministic for a label set and tokenizer
 * (tiktoken's, or an open model's own: codes are single tokens, and so distinct first tokens, in that one).
 * Labels that are already one distinct token keep their own text; others get their rarest word, then a letter code.
 */
export function assignLabelCodes(labels: string[], enc: Encoder, space: boolean): Record<string, string> {
  const sorted = [...new Set(labels)].sort();
  const wordCount = new Map<string, number>();
  for (const l of sorted) for (const w of new Set(splitWords(l))) wordCount.set(w, (wordCount.get(w) ?? 0) + 1);
  const taken = new Set<string>();
  const codes: Record<string, string> = {};
  const own = sorted.filter((l) => isSingleToken(enc, l, space));
  for (const l of own) {
    codes[l] = l;
    taken.add(l);
  }
  for (const label of sorted) {
    if (Object.hasOwn(codes, label)) continue;
    for (const code of candidateCodes(label, wordCount)) {
      if (taken.has(code) || !isSingleToken(enc, code, space)) continue;
      codes[label] = code;
      taken.add(code);
      break;
    }
    if (!Object.hasOwn(codes, label)) throw new DataError(`labels: auto found no free single-token code for label '${label}'`);
  }
  return codes;
}

/** Checks an explicit `labels:` map: codes distinct and non-empty. Returns it as label -> code. */
export function checkLabelMap(map: Record<string, string>): Record<string, string> {
  const byCode = new Map<string, string>();
  for (const [label, code] of Object.entries(map)) {
    const c = String(code).trim();
    if (c === '') throw new DataError(`labels: the code for '${label}' is empty`);
    const other = byCode.get(c);
    if (other !== undefined) throw new DataError(`labels: '${other}' and '${label}' both map to '${c}'`, { hint: 'give every label its own code' });
    byCode.set(c, label);
  }
  return Object.fromEntries(Object.entries(map).map(([l, c]) => [l, String(c).trim()]));
}

/** Builds the labels artifact from label -> code. */
export function makeLabelsArtifact(codes: Record<string, string>, opts: { model: string; encoding: string; space: boolean; enc: Encoder }): LabelsArtifact {
  const labels: Record<string, string> = {};
  const first: Record<string, string> = {};
  for (const label of Object.keys(codes).sort()) {
    const code = codes[label]!;
    labels[code] = label;
    const ids = opts.enc.encodeOrdinary(opts.space ? ' ' + code : code);
    first[code] = opts.enc.decode(ids.slice(0, 1));
  }
  return { version: 1, model: opts.model, encoding: opts.encoding, leading_space: opts.space, labels, first_tokens: first };
}
