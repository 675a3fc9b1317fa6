// The conversion tokencheck counts with: what upload will write for the model (format, system message, chat markers).
import { readRecords } from '../../data/jsonl.ts';
import { detectMarkers } from '../../tokens/format.ts';
import type { Conversion } from '../../tokens/format.ts';
import { getFormatForModel } from '../../tokens/model-format.ts';
import type { FineTuneFormat } from '../../tokens/model-format.ts';

/** What decides the uploaded lines: the model, and upload's `format` and `system`. */
export interface BilledFormat {
  model: string;
  /** @default the model's: prompt/completion for babbage-002 and davinci-002, chat otherwise */
  format?: FineTuneFormat;
  /** Chat only: the system message upload puts first in every conversation that has none. */
  system?: string;
}

/**
 * The conversion upload makes (src/stages/upload resolveConversion): chat lines get the system message and, from
 * prompt/completion records, lose the prompt separator and completion ending every training record ends with
 * (detected on train, as upload does). Prompt/completion lines are written as they are, and never get a system message.
 */
export async function getBilledConversion(trainPath: string, o: BilledFormat): Promise<Conversion> {
  const format = o.format ?? getFormatForModel(o.model);
  if (format !== 'chat') return { format, prompt_separator: '', completion_ending: '' };
  const markers = await detectMarkers(readRecords(trainPath));
  return { format, ...(o.system === undefined ? {} : { system: o.system }), ...markers };
}
