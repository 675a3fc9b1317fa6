// The prepare API: legacy prepare_data's checks and fixes as typed functions.
export { analyzeFile } from './analyze.ts';
export { prepareFile } from './prepare.ts';
export type {
  AcceptPolicy, Finding, PrepareActionId, PrepareFileOptions, PrepareOptions, PrepareReport, PrepareResult,
} from './types.ts';
