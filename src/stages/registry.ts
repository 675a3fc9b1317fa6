// The one table of stage types. Adding a type touches its folder and one line here.
import type { StageDef } from './types.ts';
import { command } from './command/index.ts';
import { load } from './load/index.ts';
import { dedupe } from './dedupe/index.ts';
import { suffix } from './suffix/index.ts';
import { split } from './split/index.ts';
import { tokencheck } from './tokencheck/index.ts';
import { upload } from './upload/index.ts';
import { train } from './train/index.ts';
import { evaluate } from './evaluate/index.ts';

/** Every stage type, by name. The engine knows stage types only through this table. */
export const STAGES: Record<string, StageDef> = {
  command,
  load,
  dedupe,
  suffix,
  split,
  tokencheck,
  upload,
  train,
  evaluate,
};

/** The stage type for a name, or undefined. */
export function getStageDef(type: string): StageDef | undefined {
  return Object.hasOwn(STAGES, type) ? STAGES[type] : undefined;
}
