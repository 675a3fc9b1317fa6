// PLACEHOLDER: replaced by the real command module.
import { TunefileError } from '../errors.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'metrics',
  summary: '',
  help: 'tunefile metrics',
  run: async () => {
    throw new TunefileError('TUNEFILE_USAGE', "'tunefile metrics' is not built yet");
  },
};
export default command;
