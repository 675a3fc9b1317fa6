// The trainer formats by kind: what the trainer provider asks of Axolotl, LLaMA-Factory, TRL or any command.
import type { TrainerFormat, TrainerKind } from '../types.ts';
import { axolotlFormat } from './axolotl.ts';
import { commandFormat } from './command.ts';
import { llamafactoryFormat } from './llamafactory.ts';
import { trlFormat } from './trl.ts';

export { SPLIT_FILES } from './messages.ts';
export { sglangServe, vllmServe, type ServeLine } from './serve.ts';

const FORMATS = { axolotl: axolotlFormat, llamafactory: llamafactoryFormat, trl: trlFormat, command: commandFormat } satisfies Record<TrainerKind, TrainerFormat>;

/** The format of trainer `kind`. */
export function trainerFormat(kind: TrainerKind): TrainerFormat {
  return FORMATS[kind];
}
