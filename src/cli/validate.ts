// PLACEHOLDER: replaced by the real command module.
import { TunefileError } from '../errors.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'validate',
  summary: '',
  help: 'tunefile validate',
  run: async () => {
    throw new TunefileError('TUNEFILE_USAGE', "'tunefile validate' is not built yet");
  },
};
export default command;
