// The `labels` artifact (label codes that suffix writes and evaluate reads) and mapping predictions back. The codes
// themselves are chosen by the suffix stage (src/stages/suffix/labels.ts).

/**
 * The `labels` artifact written by `suffix` when `labels:` is set (JSON). Evaluate reads it to map
 * predictions back to the original label names.
 *
 * ```json
 * {"version": 1, "model": "babbage-002", "encoding": "cl100k_base", "leading_space": true,
 *  "labels": {"arrival": "card_arrival", "linking": "card_linking"},
 *  "first_tokens": {"arrival": " arrival", "linking": " linking"}}
 * ```
 */
export interface LabelsArtifact {
  version: 1;
  /** The model whose encoding the codes were checked against. */
  model: string;
  /** The tiktoken encoding name (`o200k_base`, `cl100k_base`). */
  encoding: string;
  /** Whether completions carry a leading space before the code. */
  leading_space: boolean;
  /** Code (as written in the completion, without the leading space and the ending) -> original label. */
  labels: Record<string, string>;
  /** Code -> the text of its one token as the model emits it (with the leading space when there is one). */
  first_tokens: Record<string, string>;
}

/** The original label for a model's output (a completion, or just its first token); undefined when unknown. */
export function decodeLabel(artifact: LabelsArtifact, prediction: string): string | undefined {
  const code = prediction.trim();
  if (Object.hasOwn(artifact.labels, code)) return artifact.labels[code];
  for (const [c, token] of Object.entries(artifact.first_tokens)) if (token === prediction || token.trim() === code) return artifact.labels[c];
  return undefined;
}
