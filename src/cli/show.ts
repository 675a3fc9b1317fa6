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
ARTIFACT may be left out when the stage has a single output. A folder artifact prints its files instead:
path, bytes and the first 12 characters of each file's sha256.
  --path   print the cached file's path instead of its content (a folder artifact: its folder,
           .tunefile/cache/trees/<hash>/, rebuilt from the cache when missing)`,
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
    if (found.tree) {
      io.stdout.write(formatTreeListing(found.tree));
      return 0;
    }
    await pipe(createReadStream(found.path), io.stdout, { end: false });
    return 0;
  },
};
export default command;

/** A tree's files, one a line: path, bytes and hash prefix in aligned columns. */
function formatTreeListing(entries: { path: string; bytes: number; hash: string }[]): string {
  const width = Math.max(0, ...entries.map((e) => e.path.length));
  const sizes = entries.map((e) => e.bytes.toLocaleString('en-US'));
  const sizeWidth = Math.max(0, ...sizes.map((s) => s.length));
  return entries.map((e, i) => `${e.path.padEnd(width)}  ${sizes[i]!.padStart(sizeWidth)}  ${e.hash.slice(0, 12)}\n`).join('');
}
