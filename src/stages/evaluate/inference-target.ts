// Where evaluate's requests go: the provider's client, and the model name they send. On Azure that name is a
// deployment of the fine-tuned model (made through the provider's deployForInference) which is released afterwards;
// for a self-hosted trainer it is a server started for train's model folder (the `model` input), stopped afterwards.
import type OpenAI from 'openai';
import type { InferenceDeployment } from '../../providers/types.ts';
import type { StageContext } from '../types.ts';
import type { EvaluateParams } from './index.ts';

/** A lazily connected target: connect() once some answer is missing, release() when the predictions are done. */
export interface InferenceTarget {
  /** The client and the name requests send as `model` (the fine-tuned model's id, or its deployment's name). */
  connect(): Promise<{ client: OpenAI; model: string }>;
  /** Releases a deployment connect() made (deleted unless kept; a deployment left running becomes a notice). */
  release(): Promise<void>;
}

/** The target for fine-tuned `model`; nothing is deployed until connect(), so a fully cached evaluate deploys nothing. */
export function makeInferenceTarget(ctx: StageContext<EvaluateParams>, model: string): InferenceTarget {
  let deployment: InferenceDeployment | undefined;
  return {
    async connect() {
      const provider = await ctx.provider();
      if (!provider.deployForInference) return { client: provider.inference, model };
      const artifact = ctx.inputs.model?.path;
      deployment = await provider.deployForInference(model, { signal: ctx.signal, poll: ctx.config.poll, progress: ctx.progress, notice: ctx.notice, ...(artifact ? { artifact } : {}) });
      return { client: deployment.client ?? provider.inference, model: deployment.model };
    },
    release: async () => deployment?.release(),
  };
}
