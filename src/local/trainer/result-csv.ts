// The job's result file: one CSV row per step, in the columns OpenAI's result files use.
import { METRICS_PER_STEP } from './train.ts';

/** The header of every result file. */
export const RESULT_CSV_HEADER = 'step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy';

/** A number with 6 decimals, or an empty cell for NaN (no validation data). */
function cell(x: number): string {
  return Number.isNaN(x) ? '' : x.toFixed(6);
}

/** The CSV text for the first `steps` steps of a metrics array (see STEP_METRICS). */
export function formatResultCsv(stepMetrics: Float64Array, steps: number): string {
  const lines = [RESULT_CSV_HEADER];
  for (let s = 0; s < steps; s++) {
    const at = s * METRICS_PER_STEP;
    lines.push([String(s + 1), cell(stepMetrics[at]!), cell(stepMetrics[at + 1]!), cell(stepMetrics[at + 2]!), cell(stepMetrics[at + 3]!)].join(','));
  }
  return lines.join('\n') + '\n';
}
