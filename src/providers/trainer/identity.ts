// What identifies a trainer provider in stage keys: the trainer, the launcher, the base model as written (a path
// relative to the pipeline, never an absolute one) and a custom `run` command line. Not `serve`/`endpoint`: they
// change how a model is asked, not what was trained (evaluate's key has the identity too, so it reruns anyway).
import type { TrainerProviderSpec } from './types.ts';

/** `trl+local:Qwen/Qwen3-0.6B`, with `|run=<argv as JSON>` for a custom command line. */
export function trainerIdentity(spec: TrainerProviderSpec): string {
  const base = `${spec.trainer}+${spec.launcher ?? 'local'}:${spec.model}`;
  return spec.run ? `${base}|run=${JSON.stringify(spec.run)}` : base;
}
