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
export type ProviderSpec = 'local' | 'openai' | 'together' | HostedProviderSpec | import('../providers/trainer/types.ts').TrainerProviderSpec;

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
