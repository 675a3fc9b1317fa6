// PLACEHOLDER: replaced by the real command module.
import { TunefileError } from '../errors.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'show',
  summary: '',
  help: 'tunefile show',
  run: async () => {
    throw new TunefileError('TUNEFILE_USAGE', "'tunefile show' is not built yet");
  },
};
export default command;
