// Text statistics for the legacy findings: upper-case share per role.
import { readRecordBatches } from '../data/jsonl.ts';
import { getCompletionText, getPromptText } from '../data/records.ts';

export interface CaseCounts {
  upper: number;
  lower: number;
}

/** Upper- and lower-case letter counts of prompts and completions. */
export async function countLetterCases(path: string): Promise<{ prompt: CaseCounts; completion: CaseCounts }> {
  const prompt = { upper: 0, lower: 0 };
  const completion = { upper: 0, lower: 0 };
  for await (const batch of readRecordBatches(path)) {
    for (const record of batch) {
      addCases(getPromptText(record), prompt);
      addCases(getCompletionText(record), completion);
    }
  }
  return { prompt, completion };
}

function addCases(text: string, counts: CaseCounts): void {
  for (const c of text) {
    const lower = c.toLowerCase();
    const upper = c.toUpperCase();
    if (lower === upper) continue;
    if (c === upper) counts.upper += 1;
    else counts.lower += 1;
  }
}

/** Legacy rule: more than a third of the letters are upper case. */
export function isUpperCaseHeavy(c: CaseCounts): boolean {
  return c.upper * 2 > c.lower;
}
