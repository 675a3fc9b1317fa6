// PLACEHOLDER: replaced by the real command module.
import { TunefileError } from '../errors.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'run',
  summary: '',
  help: 'tunefile run',
  run: async () => {
    throw new TunefileError('TUNEFILE_USAGE', "'tunefile run' is not built yet");
  },
};
export default command;
