// The legacy prepare_data separator and ending lists, and common-prefix checks.

/** Prompt separators tried by `prompt: auto`, in the legacy prepare_data order. */
export const PROMPT_SEPARATORS = [
  ' ->', '\n\n###\n\n', '\n\n===\n\n', '\n\n&&&\n\n', '\n\n$$$\n\n', '\n\n@@@\n\n',
  '\n\n+++\n\n', '\n\n~~~\n\n', '\n\n---\n\n', '\n\n___\n\n', '\n\n***\n\n',
];

/** Completion endings tried by `completion: auto`, in the legacy order. */
export const COMPLETION_ENDINGS = ['\n', '.', ' END', '***', '+++', '&&&', '$$$', '@@@', '%%%'];

/** Legacy thresholds: warn when all prompts share more than 12 characters, or all completions 5 or more. */
export const PROMPT_PREFIX_WARN = 12;
export const COMPLETION_PREFIX_WARN = 5;
/** Legacy: a separator longer than this is wasteful. */
export const SEPARATOR_WARN = 10;

/** Tracks which candidates occur inside texts (ignoring one trailing occurrence), for auto selection. */
export class CandidateScan {
  readonly candidates: string[];
  readonly seen: boolean[];
  /** Texts ending with each candidate. */
  readonly endings: number[];
  anyNewline = false;
  count = 0;

  constructor(candidates: string[]) {
    this.candidates = candidates;
    this.seen = candidates.map(() => false);
    this.endings = candidates.map(() => 0);
  }

  /** Records one text. */
  add(text: string): void {
    this.count += 1;
    for (let i = 0; i < this.candidates.length; i++) {
      const c = this.candidates[i]!;
      const ends = text.endsWith(c);
      if (ends) this.endings[i]! += 1;
      const body = ends ? text.slice(0, -c.length) : text;
      if (!this.seen[i] && body.includes(c)) this.seen[i] = true;
      if (!this.anyNewline && body.includes('\n')) this.anyNewline = true;
    }
  }

  /** The candidate every text already ends with, else the first that occurs in no text (skipping `skipIfNewline` when texts have newlines). */
  choose(skipIfNewline?: string): string | undefined {
    for (let i = 0; i < this.candidates.length; i++) {
      if (this.count > 0 && this.endings[i] === this.count && !this.seen[i]) return this.candidates[i];
    }
    for (let i = 0; i < this.candidates.length; i++) {
      const c = this.candidates[i]!;
      if (c === skipIfNewline && this.anyNewline) continue;
      if (!this.seen[i]) return c;
    }
    return undefined;
  }
}

/** Running common prefix of a stream of texts. */
export class CommonPrefix {
  prefix: string | undefined;

  /** Shortens the prefix to what `text` shares. */
  add(text: string): void {
    if (this.prefix === undefined) {
      this.prefix = text;
      return;
    }
    let i = 0;
    const max = Math.min(this.prefix.length, text.length);
    while (i < max && this.prefix.charCodeAt(i) === text.charCodeAt(i)) i++;
    if (i < this.prefix.length) this.prefix = this.prefix.slice(0, i);
  }
}
