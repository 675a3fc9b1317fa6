// Project configuration (cosmiconfig: tunefile.config.*, .tunefilerc*, package.json#tunefile).

/** Price of a model per million tokens, in USD. */
export interface ModelPrice {
  /** Training price per 1M trained tokens. */
  training: number;
  /** Inference input price per 1M tokens. */
  input?: number;
  /** Inference output price per 1M tokens. */
  output?: number;
}

/** The provider section, as written in a pipeline or config. */
export type ProviderSpec = 'local' | 'openai' | 'together' | HostedProviderSpec | TrainerProviderSpec;

/** A service's provider section (every type but `trainer`). */
export type HostedProviderSpec = {
      type: 'local' | 'openai' | 'together';
      base_url?: string;
      /** Name of the environment variable holding the key. @default "OPENAI_API_KEY" ("TOGETHER_API_KEY" for together) */
      api_key_env?: string;
      organization?: string;
      project?: string;
      /** An OpenAI-compatible service with its own fine-tuning settings. */
      flavor?: 'nebius';
      /** Azure OpenAI: API version; presence selects the SDK's Azure client. */
      azure_api_version?: string;
      /** Azure OpenAI: an existing deployment of the fine-tuned model, for evaluate. */
      azure_deployment?: string;
      /** Azure OpenAI management: with the resource group and account, evaluate deploys the fine-tuned model. */
      azure_subscription?: string;
      azure_resource_group?: string;
      azure_account?: string;
      /** SKU of the deployment evaluate creates. @default "standard" */
      azure_deployment_sku?: string;
      /** `sku.capacity` of the deployment evaluate creates (Standard: units of 1,000 tokens per minute). @default 1 */
      azure_deployment_capacity?: number;
      /** Keep the deployment evaluate created (it bills while it exists). @default false */
      azure_keep_deployment?: boolean;
    };

/** Config as the user writes it: everything optional. */
export interface UserConfig {
  /** Default pipeline file, relative to the config file. */
  pipeline?: string;
  /** Default provider when the pipeline names none. @default "local" */
  provider?: ProviderSpec;
  /** Parallel stages. @default number of CPUs */
  jobs?: number;
  /** Cost ceiling for training, in USD; the pipeline's tokencheck/train `max_cost_usd` wins. */
  max_cost_usd?: number;
  /** Price table overrides by model name. */
  prices?: Record<string, ModelPrice>;
  /** Train polling. */
  poll?: { interval_ms?: number; max_interval_ms?: number };
}

/** Config with defaults applied. */
export interface ResolvedConfig {
  /** Absolute path of the config file, if any. */
  filepath?: string;
  pipeline?: string;
  provider: ProviderSpec;
  jobs: number;
  max_cost_usd?: number;
  prices: Record<string, ModelPrice>;
  poll: { interval_ms: number; max_interval_ms: number };
}

// `provider: {type: trainer}` (src/providers/trainer/, docs/self-hosted.md).

/** The trainer programs tunefile knows. `command`: any program, given tunefile's own config (see formats/command.ts). */
export type TrainerKind = 'axolotl' | 'llamafactory' | 'trl' | 'command';

/** Where the train command runs. */
export type LauncherKind = 'local' | 'skypilot';

/** SkyPilot settings of `launcher: skypilot`. */
export interface SkyPilotSpec {
  /** The task's `resources` block, verbatim (accelerators, cloud, region, use_spot, ...). */
  resources?: Record<string, unknown>;
  /** A bucket URL (s3://, gs://, r2://, ...) through which inputs and outputs move; absent: file mounts of the local run folder and `sky jobs logs`/rsync back. */
  bucket?: string;
  /** Commands the task's `setup` runs before training (installing the trainer). */
  setup?: string;
  /** The `sky` program and any leading arguments. @default ["sky"] */
  command?: string[];
  /**
   * How the trained model comes back from the bucket once the job succeeded: a command line with `{url}` (the run's
   * output folder in the bucket) and `{dir}` (the local output folder). Default: `aws s3 sync` for s3://,
   * `gcloud storage rsync --recursive` for gs://; other schemes must set it.
   */
  download?: string[];
}

/** `provider: {type: trainer, ...}` as written in a pipeline. */
export interface TrainerProviderSpec {
  type: 'trainer';
  trainer: TrainerKind;
  /** The base model: a Hugging Face id, or a local folder (relative to the pipeline file's folder). */
  model: string;
  /** The train command line; default per trainer. Placeholders: see RUN_PLACEHOLDERS. */
  run?: string[];
  /** @default "local" */
  launcher?: LauncherKind;
  skypilot?: SkyPilotSpec;
  /** The command that serves the trained model for evaluate; default per trainer. Placeholders: see SERVE_PLACEHOLDERS. */
  serve?: string[];
  /** Environment for the serve command (values may hold placeholders). */
  serve_env?: Record<string, string>;
  /** An OpenAI-compatible server that already serves the trained model (instead of `serve`). */
  endpoint?: string;
  /** The name the server lists at /v1/models and requests send as `model`. @default "tunefile" */
  served_model?: string;
  /**
   * What requests send as `model`, when it is not `served_model` (SGLang applies a LoRA adapter only to requests
   * naming `<base model>:<adapter>`: `{model}:{served_model}`). Placeholders as in `serve`.
   */
  request_model?: string;
  /** Environment variable with the endpoint's API key. */
  api_key_env?: string;
  /** Environment for the train command. */
  env?: Record<string, string>;
  /** How long evaluate waits for the served model to be listed. @default 600 */
  serve_timeout_s?: number;
}
