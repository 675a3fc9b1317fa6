// PLACEHOLDER: replaced by the real command module.
import { TunefileError } from '../errors.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'gc',
  summary: '',
  help: 'tunefile gc',
  run: async () => {
    throw new TunefileError('TUNEFILE_USAGE', "'tunefile gc' is not built yet");
  },
};
export default command;
