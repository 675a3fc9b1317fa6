// The published JSON schemas (2020-12), assembled from the stage registry: pipeline files and project config.
import { STAGES } from '../stages/registry.ts';

const ID = '^[A-Za-z_][A-Za-z0-9_-]*$';
const REF = '^[A-Za-z_][A-Za-z0-9_-]*\\.[A-Za-z_][A-Za-z0-9_-]*$';
const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** The `provider` value: a name, or an object with connection details (never the key itself). */
function providerSchema(): Record<string, unknown> {
  return {
    description: 'Training backend: local (default, offline), openai, together, or an object with connection details.',
    anyOf: [
      { enum: ['local', 'openai', 'together'] },
      {
        // One object branch, its fields chosen by `type`: a mistyped field is reported against the right set.
        type: 'object',
        required: ['type'],
        properties: { type: { enum: ['local', 'openai', 'together', 'trainer'], description: 'Provider type (trainer: a self-hosted trainer program, see docs/self-hosted.md).' } },
        if: { properties: { type: { const: 'trainer' } } },
        then: trainerSchema(),
        else: hostedSchema(),
      },
    ],
  };
}

/** `provider: {type: local|openai|together, ...}`: a service's connection details. */
function hostedSchema(): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    properties: {
      type: { enum: ['local', 'openai', 'together'], description: 'Provider type (trainer: a self-hosted trainer program, see docs/self-hosted.md).' },
      base_url: { type: 'string', pattern: '^https?://', description: 'API base URL (OpenAI-compatible, Azure endpoint, or Together).' },
      api_key_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Environment variable that holds the API key. Default OPENAI_API_KEY (together: TOGETHER_API_KEY).' },
      organization: { type: 'string', description: 'OpenAI organization id.' },
      project: { type: 'string', description: 'OpenAI project id.' },
      flavor: { enum: ['nebius'], description: "An OpenAI-compatible service with its own fine-tuning settings (type: openai): nebius maps lora, learning_rate, packing and context_length onto Nebius Token Factory's." },
      azure_api_version: { type: 'string', description: 'Azure OpenAI API version; selects the Azure client.' },
      azure_deployment: { type: 'string', description: 'Azure OpenAI: an existing deployment of the fine-tuned model for evaluate to call; evaluate then makes no management call (it wins over azure_subscription/azure_resource_group/azure_account).' },
      azure_subscription: { type: 'string', description: 'Azure subscription id: with azure_resource_group and azure_account, evaluate deploys the fine-tuned model through the management API.' },
      azure_resource_group: { type: 'string', description: 'Azure resource group of the Azure OpenAI account.' },
      azure_account: { type: 'string', description: 'Azure OpenAI (Cognitive Services) account name.' },
      azure_deployment_sku: { type: 'string', minLength: 1, description: 'SKU (sku.name) of a deployment evaluate creates: standard, GlobalStandard, ... Default: standard.' },
      azure_deployment_capacity: { type: 'integer', minimum: 1, description: 'Capacity (sku.capacity) of a deployment evaluate creates; for Standard, units of 1,000 tokens per minute. Default: 1.' },
      azure_keep_deployment: { type: 'boolean', description: 'Keep the deployment evaluate created after the run (it bills while it exists). Default: false, it is deleted.' },
    },
  };
}

/** `provider: {type: trainer, ...}`: a self-hosted trainer program and the server that answers for its model. */
function trainerSchema(): Record<string, unknown> {
  const argv = (description: string) => ({ type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description });
  const env = (description: string) => ({ type: 'object', additionalProperties: { type: 'string' }, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, description });
  return {
type: 'object',
additionalProperties: false,
required: ['type', 'trainer', 'model'],
properties: {
  type: { const: 'trainer', description: 'A self-hosted trainer program (docs/self-hosted.md).' },
  trainer: { enum: ['axolotl', 'llamafactory', 'trl', 'command'], description: "The trainer: its dataset format, config and default command lines. command: any program, given tunefile local-train's config." },
  model: { type: 'string', minLength: 1, description: 'The base model: a Hugging Face id, or a local folder relative to this file.' },
  run: argv('The train command line. Placeholders: {config}, {output_dir}, {data_dir}, {run_dir}, {tunefile}. Default per trainer (axolotl train {config}, llamafactory-cli train {config}, trl sft --config {config}, {tunefile} local-train {config}).'),
  launcher: { enum: ['local', 'skypilot'], description: 'Where the train command runs: this machine (default), or a SkyPilot managed job.' },
  skypilot: {
    type: 'object', additionalProperties: false,
    properties: {
      resources: { type: 'object', description: "The task's resources block, verbatim (accelerators, cloud, region, use_spot, ...)." },
      bucket: { type: 'string', pattern: '^[a-z0-9]+://', description: 'A bucket (s3://, gs://, r2://, ...) through which inputs, checkpoints and outputs move.' },
      setup: { type: 'string', description: "The task's setup commands (installing the trainer)." },
      command: argv('The sky program and leading arguments. Default: [sky].'),
      download: argv('How the trained model comes back from the bucket: a command line with {url} and {dir}. Default: aws s3 sync for s3://, gcloud storage rsync --recursive for gs://.'),
    },
    description: 'SkyPilot settings of launcher: skypilot.',
  },
  serve: argv("The command that serves the trained model for evaluate. Placeholders: {model}, {adapter}, {port}, {served_model}, {serve_config}, {api_key}, {tunefile}. Default per trainer (vllm serve ...; llamafactory-cli api; tunefile serve --model)."),
  serve_env: env('Environment for the serve command; values may hold placeholders.'),
  endpoint: { type: 'string', pattern: '^https?://', description: 'An OpenAI-compatible server (base URL with /v1) that already serves the trained model, instead of serve.' },
  served_model: { type: 'string', minLength: 1, description: 'The name the server lists at /v1/models and requests send as model. Default: tunefile.' },
  request_model: { type: 'string', minLength: 1, description: 'What requests send as model, when not served_model: SGLang applies a LoRA adapter only to {model}:{served_model}.' },
  api_key_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: "Environment variable with the server's API key." },
  env: env('Environment for the train command.'),
  serve_timeout_s: { type: 'number', exclusiveMinimum: 0, description: 'How long evaluate waits for the server to list the model. Default: 600.' },
},
  };
}

function withRef(type: string): Record<string, unknown> {
  return { $ref: `#/$defs/with_${type}` };
}

/** One stage entry; `with` is checked against the schema of the type named by `uses`. */
function stageSchema(types: string[]): Record<string, unknown> {
  return {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: {
      uses: { enum: types, description: 'Stage type. Defaults to the stage id.' },
      needs: {
        type: 'array', uniqueItems: true, items: { type: 'string', pattern: ID },
        description: 'Upstream stage ids. Default: the previous stage in the file.',
      },
      inputs: {
        type: 'object', propertyNames: { pattern: ID }, additionalProperties: { type: 'string', pattern: REF },
        description: 'Explicit wiring, input name -> "stage.artifact". Default: nearest upstream producer.',
      },
      with: { type: 'object', description: "The stage type's parameters." },
    },
    allOf: types.map((t) => ({
      if: { type: 'object', properties: { uses: { const: t } }, required: ['uses'] },
      then: { type: 'object', properties: { with: withRef(t) } },
    })),
  };
}

/** The pipeline file schema, assembled from every registered stage type. */
export function buildPipelineSchema(): Record<string, unknown> {
  const types = Object.keys(STAGES);
  const defs: Record<string, unknown> = { provider: providerSchema(), stage: stageSchema(types) };
  for (const t of types) defs[`with_${t}`] = { description: STAGES[t]!.description, ...STAGES[t]!.schema };
  return {
    $schema: DIALECT,
    title: 'tunefile pipeline',
    description: 'A tunefile pipeline: stages that turn labelled data into a fine-tuned model and a report.',
    type: 'object',
    additionalProperties: false,
    required: ['stages'],
    properties: {
      version: { const: 1, description: 'File format version.' },
      name: { type: 'string', minLength: 1, description: 'Pipeline name. Default: the file name.' },
      provider: { $ref: '#/$defs/provider' },
      model: { type: 'string', minLength: 1, default: 'babbage-002', description: 'Default base model for tokencheck, upload and train.' },
      params: { type: 'object', description: 'Named values, referenced as ${params.NAME} in `with`.' },
      allow_outside: { type: 'boolean', default: false, description: 'Allow outputs and report folders outside the project.' },
      stages: {
        type: 'object',
        minProperties: 1,
        propertyNames: { pattern: ID },
        description: 'Stages in order. The key is the stage id; `uses` defaults to it.',
        properties: Object.fromEntries(types.map((t) => [t, {
          $ref: '#/$defs/stage',
          if: { type: 'object', not: { type: 'object', properties: { uses: true }, required: ['uses'] } },
          then: { type: 'object', properties: { with: withRef(t) } },
        }])),
        additionalProperties: { $ref: '#/$defs/stage' },
      },
    },
    $defs: defs,
  };
}

/** The project config schema (tunefile.config.*, .tunefilerc*, package.json#tunefile). */
export function buildConfigSchema(): Record<string, unknown> {
  const price = { type: 'number', minimum: 0 };
  return {
    $schema: DIALECT,
    title: 'tunefile config',
    description: 'Project defaults for tunefile.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      pipeline: { type: 'string', minLength: 1, description: 'Default pipeline file, relative to the config file.' },
      provider: providerSchema(),
      jobs: { type: 'integer', minimum: 1, description: 'Stages run in parallel. Default: the number of CPUs.' },
      max_cost_usd: { type: 'number', minimum: 0, description: 'Cost ceiling for training, in USD.' },
      prices: {
        type: 'object',
        description: 'Price table overrides by model name, USD per 1M tokens.',
        additionalProperties: {
          type: 'object', additionalProperties: false, required: ['training'],
          properties: { training: price, input: price, output: price },
        },
      },
      poll: {
        type: 'object',
        additionalProperties: false,
        description: 'Polling of remote training jobs.',
        properties: {
          interval_ms: { type: 'integer', minimum: 1, default: 2000 },
          max_interval_ms: { type: 'integer', minimum: 1, default: 30000 },
        },
      },
    },
  };
}
