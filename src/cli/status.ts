// PLACEHOLDER: replaced by the real command module.
import { TunefileError } from '../errors.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'status',
  summary: '',
  help: 'tunefile status',
  run: async () => {
    throw new TunefileError('TUNEFILE_USAGE', "'tunefile status' is not built yet");
  },
};
export default command;
