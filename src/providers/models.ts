// The base models each provider fine-tunes, described with tunefile's own tables: the tokenizer tokencheck counts
// them with and their context length (src/tokens/).
import { encodingNameForModel } from '../tokens/encoding.ts';
import { getContextLimit } from '../tokens/models.ts';
import { getOpenModel, isOpenModel } from '../tokens/open-models.ts';
import type { FineTunableModel } from './types.ts';

/**
 * OpenAI's fine-tunable models (the dated snapshots, and the aliases jobs accept). The local server accepts exactly
 * these (src/local/model-names.ts), so its list is the table. OpenAI has no API that lists them: the table warns,
 * it never refuses.
 */
export { BASE_MODELS as OPENAI_FINE_TUNABLE } from '../local/model-names.ts';

/** A model id with the tokenizer and context tunefile counts it with. */
export function describeModel(id: string): FineTunableModel {
  const open = getOpenModel(id);
  const tokenizer = open ? `hf:${open.repo}` : isOpenModel(id) ? `hf:${id}` : encodingNameForModel(id);
  return { id, tokenizer, context: getContextLimit(id) };
}
