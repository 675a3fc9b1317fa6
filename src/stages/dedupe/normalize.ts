// Text normalization for duplicate detection.

export type Normalize = 'none' | 'whitespace' | 'casefold';

/** The text as compared: unchanged, whitespace-collapsed and trimmed, or that plus lower-cased. */
export function normalizeText(text: string, mode: Normalize): string {
  if (mode === 'none') return text;
  const collapsed = text.trim().replace(/\s+/g, ' ');
  return mode === 'casefold' ? collapsed.toLowerCase() : collapsed;
}
