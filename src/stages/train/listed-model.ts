// Before a job is created: does the provider list the base model among those it fine-tunes? A warning, never a
// refusal: tables go stale, and the provider's own answer to create is the last word (and a refused create is free).
import type { Provider } from '../../providers/types.ts';
import { identityString } from '../../providers/types.ts';
import { getBaseModel } from '../../tokens/model-format.ts';
import type { StageContext } from '../types.ts';

/** Warns when the provider lists the models it fine-tunes and `model` (or, for `ft:` names, its base) is not one. */
export async function warnUnlistedModel(ctx: StageContext<unknown>, provider: Provider, model: string): Promise<void> {
  let listed: string[];
  try {
    listed = (await provider.models(ctx.signal)).map((m) => m.id);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.warn(`could not list the models ${identityString(provider.identity)} fine-tunes (${(error as Error).message})`);
    return;
  }
  if (listed.length === 0 || listed.includes(model) || listed.includes(getBaseModel(model))) return;
  const shown = listed.slice(0, 6).join(', ') + (listed.length > 6 ? `, and ${listed.length - 6} more` : '');
  ctx.warn(`${identityString(provider.identity)} does not list ${model} among the models it fine-tunes (${shown}); asking it to create the job anyway`);
}
