// `tunefile gc [PIPELINE-OR-DIR] [--dry-run]`.
import { resolve } from 'node:path';
import { collectGarbage } from '../engine/gc.ts';
import { findProjectRoot } from '../pipeline/index.ts';
import { parseFlags } from './args.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'gc',
  summary: 'remove cached blobs and records no lock file references',
  help: `Usage: tunefile gc [--dry-run]

Removes run records and cached blobs under .tunefile/ that no lock file in the project references.
Stages of older experiments are then no longer restorable from the cache.
  --dry-run   only count what would be removed`,
  async run(argv, io) {
    const { values, positionals } = parseFlags('gc', argv, { 'dry-run': { type: 'boolean' } });
    const root = findProjectRoot(resolve(io.cwd, positionals[0] ?? '.'));
    const r = collectGarbage(root, values['dry-run'] ?? false);
    const verb = r.dryRun ? 'would remove' : 'removed';
    io.stdout.write(
      `${r.lockFiles.length} lock file(s) referenced ${r.records.kept} run record(s); ${verb} ${r.records.removed} record(s) and ${r.blobs.removed} blob(s) (${(r.blobs.bytesFreed / 1e6).toFixed(1)} MB), kept ${r.blobs.kept} blob(s)\n`,
    );
    return 0;
  },
};
export default command;
