// Public API of src/pipeline: load and validate pipeline files and project config.
export { loadPipeline } from './load.ts';
export type { LoadPipelineOptions } from './load.ts';
export { loadConfig, resolveConfig } from './config.ts';
export { findProjectRoot, displayPath, CONFIG_FILES } from './paths.ts';
export { findPipelineFile } from './find-pipeline.ts';
export { buildPipelineSchema, buildConfigSchema } from './schema.ts';
export { PipelineInvalidError } from './diagnostics.ts';
export type { ReportedDiagnostic } from './diagnostics.ts';
export type { LoadedPipeline, PipelineStage, InputWire } from './types.ts';
export type { ResolvedConfig, UserConfig, ProviderSpec, ModelPrice } from '../shared/config-types.ts';
