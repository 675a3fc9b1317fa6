// PLACEHOLDER: replaced by the real command module.
import { TunefileError } from '../errors.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'init',
  summary: '',
  help: 'tunefile init',
  run: async () => {
    throw new TunefileError('TUNEFILE_USAGE', "'tunefile init' is not built yet");
  },
};
export default command;
