// PLACEHOLDER: replaced by the real command module.
import { TunefileError } from '../errors.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'dag',
  summary: '',
  help: 'tunefile dag',
  run: async () => {
    throw new TunefileError('TUNEFILE_USAGE', "'tunefile dag' is not built yet");
  },
};
export default command;
