// The typed programmatic API: everything the CLI does, as functions.
export { runPipeline, runLoadedPipeline, dryRunPipeline, type RunOptions } from './engine/run-pipeline.ts';
export { pipelineStatus, renderDag, type StatusResult, type DagFormat } from './engine/status.ts';
export { planPipeline, type PlannedStage, type StageState } from './engine/plan.ts';
export { collectGarbage, type GcResult } from './engine/gc.ts';
export { locateArtifact, type ArtifactLocation } from './engine/show.ts';
export { readLockFile, formatLockFile, type LockFile } from './engine/lockfile.ts';
export type { RunEvent, RunListener, StageEndEvent, StageStatus } from './engine/events.ts';
export type { RunReport, RunReportStage } from './engine/json-report.ts';
export { loadPipeline, loadConfig, findProjectRoot, type LoadPipelineOptions } from './pipeline/index.ts';
export type { LoadedPipeline, PipelineStage } from './pipeline/types.ts';
export type { UserConfig, ResolvedConfig, ProviderSpec, ModelPrice } from './shared/config-types.ts';
export { STAGES, getStageDef } from './stages/registry.ts';
export type { StageDef, StageImpl, StageContext, StageResult, ArtifactRef, RowStage } from './stages/types.ts';
export { isTreeRef } from './stages/types.ts';
export { runStandalone, type StandaloneOptions, type StandaloneResult } from './stages/standalone.ts';
export type { Row } from './data/rows.ts';
export { TunefileError, DataError, UsageError, type ErrorCode } from './errors.ts';

// The legacy prepare_data checks as functions (its checks could only be called from a CLI before).
export { analyzeFile, prepareFile } from './prepare/index.ts';
export type { Finding, PrepareActionId, PrepareOptions, PrepareFileOptions, PrepareReport, PrepareResult, AcceptPolicy } from './prepare/index.ts';
export { checkTokens, type TokenReport } from './stages/tokencheck/check.ts';
export { decodeLabel, type LabelsArtifact } from './data/labels.ts';
export { computeClassificationMetrics, parseResultsCsv, renderReport } from './report/index.ts';
export { startLocalServer, type LocalServerOptions, type LocalServer } from './local/index.ts';
