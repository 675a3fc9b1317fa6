// The OpenAI-compatible servers evaluate can start for a trained model: vLLM (the default of axolotl and trl) and
// SGLang (an alternative to put in `serve:`). Placeholders are SERVE_PLACEHOLDERS of ../types.ts.

/** A serve command line, its environment, and the `model` that requests must send to reach the trained model. */
export interface ServeLine {
  run: string[];
  env?: Record<string, string>;
  /** What chat and completion requests send as `model` (placeholders allowed). */
  requestModel: string;
}

/**
 * `vllm serve` for a trained model. LoRA: the base model with the adapter as a LoRA module named `{served_model}`,
 * which /v1/models lists and requests name. Full fine-tuning: the trained folder itself, listed under
 * `--served-model-name`. vLLM refuses adapters of a rank above `--max-lora-rank` (default 16): add the flag to
 * `serve:` for a larger rank.
 * @see https://docs.vllm.ai/en/latest/cli/serve.html
 * @see https://docs.vllm.ai/en/latest/features/lora.html#serving-lora-adapters
 */
export function vllmServe(lora: boolean): ServeLine {
  const run = lora
    ? ['vllm', 'serve', '{model}', '--enable-lora', '--lora-modules', '{served_model}={adapter}', '--port', '{port}']
    : ['vllm', 'serve', '{adapter}', '--served-model-name', '{served_model}', '--port', '{port}'];
  return { run, requestModel: '{served_model}' };
}

/**
 * SGLang's server for a trained model. LoRA: the base model with the adapter loaded as `{served_model}`. SGLang's
 * OpenAI API applies an adapter only when the request's `model` is `<base model>:<adapter name>`; a request naming
 * the adapter alone is answered by the base model. Hence `requestModel`. Full fine-tuning: the trained folder, listed
 * under `--served-model-name`.
 * @see https://docs.sglang.io/advanced_features/server_arguments.html#lora
 * @see https://docs.sglang.io/basic_usage/openai_api_completions.html#Using-LoRA-Adapters
 */
export function sglangServe(lora: boolean): ServeLine {
  const launch = ['python', '-m', 'sglang.launch_server'];
  return lora
    ? { run: [...launch, '--model-path', '{model}', '--enable-lora', '--lora-paths', '{served_model}={adapter}', '--port', '{port}'], requestModel: '{model}:{served_model}' }
    : { run: [...launch, '--model-path', '{adapter}', '--served-model-name', '{served_model}', '--port', '{port}'], requestModel: '{served_model}' };
}
