// PLACEHOLDER: replaced by the real command module.
import { TunefileError } from '../errors.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'serve',
  summary: '',
  help: 'tunefile serve',
  run: async () => {
    throw new TunefileError('TUNEFILE_USAGE', "'tunefile serve' is not built yet");
  },
};
export default command;
