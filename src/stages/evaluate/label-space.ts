// The classes a model was taught, as it emits them: maps generated text and first tokens back to labels.
import type { Encoder } from '../../tokens/encoding.ts';
import { decodeLabel, type LabelsArtifact } from '../../data/labels.ts';

/** Classes seen in the taught answers, and how to read the model's output against them. */
export interface LabelSpace {
  /** True when the answers look like classes (few distinct answers, or a labels artifact). */
  classification: boolean;
  /** The label names, sorted (original names when a labels artifact recoded them). */
  labels: string[];
  /** Tokens the longest class takes as the model emits it. */
  maxTokens: number;
  /** The label of a taught answer. */
  expectedOf(answer: string): string;
  /** The label a generated text means, or the text itself (trimmed) when it names no class. */
  classify(generated: string): string;
  /** The label whose first token is `token`, if any. */
  labelOfFirstToken(token: string): string | undefined;
}

/** Builds the label space from every taught answer; `ending` is the completion ending the model stops with. */
export function buildLabelSpace(answers: string[], ending: string, enc: Encoder, artifact?: LabelsArtifact): LabelSpace {
  const strip = (text: string) => (ending && text.endsWith(ending) ? text.slice(0, -ending.length) : text);
  const toLabel = (code: string) => (artifact && Object.hasOwn(artifact.labels, code) ? artifact.labels[code]! : code);
  const emitted = new Map<string, string>();
  for (const answer of answers) emitted.set(strip(answer).trim(), strip(answer));
  const distinct = emitted.size;
  const classification = artifact !== undefined || distinct < answers.length / 3;
  const firstTokens = new Map<string, string>();
  let maxTokens = 1;
  for (const [code, text] of emitted) {
    const ids = enc.encodeOrdinary(text);
    maxTokens = Math.max(maxTokens, ids.length);
    if (ids.length > 0) firstTokens.set(enc.decode(ids.slice(0, 1)), toLabel(code));
  }
  const labels = [...new Set([...emitted.keys()].map(toLabel))].sort();
  return {
    classification,
    labels,
    maxTokens,
    expectedOf: (answer) => toLabel(strip(answer).trim()),
    classify(generated) {
      const code = strip(generated).trim();
      if (emitted.has(code)) return toLabel(code);
      const decoded = artifact ? decodeLabel(artifact, generated) : undefined;
      if (decoded !== undefined) return decoded;
      if (code !== '') {
        const prefixOf = [...emitted].filter(([, text]) => text.startsWith(generated) || text.trim().startsWith(code));
        if (prefixOf.length === 1) return toLabel(prefixOf[0]![0]);
      }
      return code;
    },
    labelOfFirstToken: (token) => firstTokens.get(token),
  };
}
