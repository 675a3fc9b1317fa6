// The local provider's public API: an OpenAI-compatible fine-tuning server with a real trainer.
export { startLocalServer } from './server.ts';
export type { LocalServer, LocalServerOptions } from './server.ts';
export { FAIL_AT_STEP_KEY } from './job-create.ts';
export { HOLD_ENV, TRAIN_HOLD_ENV, parseHold, type HoldPoint } from './hold.ts';
export { parseRateLimit, type RateLimit } from './rate-limit.ts';
export { readLocalTrainConfig, CONFIG_KEYS as LOCAL_TRAIN_KEYS, type LocalTrainConfig } from './hf-run/config.ts';
export { runLocalTrain, type LocalTrainOptions, type LocalTrainResult } from './hf-run/run.ts';
export { startModelServer, DEFAULT_SERVED_MODEL, type ModelServer, type ModelServerOptions } from './model-server.ts';
export { ModelFolderError } from './hf-run/model-folder.ts';
