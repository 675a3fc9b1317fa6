// `tunefile show [PIPELINE] STAGE [ARTIFACT] [--path]`.
import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pipeline as pipe } from 'node:stream/promises';
import { UsageError } from '../errors.ts';
import { loadPipeline } from '../pipeline/index.ts';
import { locateArtifact } from '../engine/show.ts';
import { parseFlags } from './args.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'show',
  summary: "print a stage's artifact",
  help: `Usage: tunefile show [PIPELINE] STAGE [ARTIFACT] [--path]

Prints the content of STAGE's output ARTIFACT from the last successful run (as recorded in the lock file).
ARTIFACT may be left out when the stage has a single output.
  --path   print the cached file's path instead of its content`,
  async run(argv, io) {
    const { values, positionals } = parseFlags('show', argv, { path: { type: 'boolean' } }, 3);
    const args = [...positionals];
    const first = args[0];
    const file = first && (/\.ya?ml$/.test(first) || (args.length === 3 && existsSync(resolve(io.cwd, first)))) ? resolve(io.cwd, args.shift()!) : undefined;
    const [stage, artifact] = args;
    if (!stage) throw new UsageError('tunefile show: name a stage', { hint: 'tunefile show split train' });
    const pipeline = await loadPipeline({ ...(file ? { file } : {}), cwd: io.cwd, env: io.env, sets: [] });
    const found = locateArtifact(pipeline, stage, artifact);
    if (values.path) {
      io.stdout.write(found.path + '\n');
      return 0;
    }
    await pipe(createReadStream(found.path), io.stdout, { end: false });
    return 0;
  },
};
export default command;
