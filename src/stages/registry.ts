// The one table of stage types. Adding a type touches its folder and one line here.
import type { StageDef } from './types.ts';
import { command } from './command/index.ts';

/** Every stage type, by name. The engine knows stage types only through this table. */
export const STAGES: Record<string, StageDef> = {
  command,
};

/** The stage type for a name, or undefined. */
export function getStageDef(type: string): StageDef | undefined {
  return Object.hasOwn(STAGES, type) ? STAGES[type] : undefined;
}
