// PLACEHOLDER: replaced by the real command module.
import { TunefileError } from '../errors.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'prepare',
  summary: '',
  help: 'tunefile prepare',
  run: async () => {
    throw new TunefileError('TUNEFILE_USAGE', "'tunefile prepare' is not built yet");
  },
};
export default command;
