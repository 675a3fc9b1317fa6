// `tunefile gc [PIPELINE-OR-DIR] [--dry-run]`: reclaim disk from what no lock file references, and say how much.
import { resolve } from 'node:path';
import { collectGarbage } from '../engine/gc.ts';
import { findProjectRoot } from '../pipeline/index.ts';
import { parseFlags } from './args.ts';
import type { Command } from './command.ts';

const HELP = `Usage: tunefile gc [PIPELINE-OR-DIR] [--dry-run]

Removes what no lock file in the project references, and prints how many bytes that reclaimed:
  - run records and cached blobs under .tunefile/ (stages of older experiments are then no longer
    restorable from the cache); a folder artifact a lock file references keeps every file's blob;
  - built folders of folder artifacts (.tunefile/cache/trees/) no lock file references;
  - in .tunefile/local/ (the local provider): finished jobs of tunefile runs with their models, their
    uploaded files, and checkpoint files no job can resume from. Kept: the jobs and files a lock file
    names, jobs of unfinished runs (the journal in state.db), and anything tunefile did not create;
  - scratch folders of killed runs (.tunefile/tmp/).

gc holds the project's run lock: while a run works on the project it exits 1 and deletes nothing. A lock
file that does not parse (a merge conflict) makes it exit 2 and delete nothing.
  --dry-run   only measure what would be removed`;

/** Bytes as megabytes with one decimal, for people. */
function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

const command: Command = {
  name: 'gc',
  summary: 'remove cached blobs, local jobs and scratch no lock file references',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseFlags('gc', argv, { 'dry-run': { type: 'boolean' } });
    const root = findProjectRoot(resolve(io.cwd, positionals[0] ?? '.'));
    const r = await collectGarbage(root, values['dry-run'] ?? false);
    const verb = r.dryRun ? 'would remove' : 'removed';
    const { local } = r;
    io.stdout.write(
      `${r.lockFiles.length} lock file(s) referenced ${r.records.kept} run record(s); ${verb} ${r.records.removed} record(s) and ${r.blobs.removed} blob(s) (${mb(r.blobs.bytesFreed)}), kept ${r.blobs.kept} blob(s)\n`,
    );
    if (r.trees.removed + r.trees.kept > 0) {
      io.stdout.write(`folder artifacts (.tunefile/cache/trees): ${verb} ${r.trees.removed} built folder(s) (${mb(r.trees.bytesFreed)}), kept ${r.trees.kept}\n`);
    }
    const touched = local.jobs.kept + local.jobs.removed.length + local.files.kept + local.files.removed.length + local.bytes > 0;
    if (local.skipped) io.stderr.write(`warning: left .tunefile/local alone: ${local.skipped}\n`);
    else if (touched) {
      io.stdout.write(
        `local provider (.tunefile/local): ${verb} ${local.jobs.removed.length} job(s), ${local.files.removed.length} file(s) and ${local.checkpoints} checkpoint file(s) (${mb(local.bytes)}), kept ${local.jobs.kept} job(s) and ${local.files.kept} file(s)\n`,
      );
    }
    for (const path of local.unreadable) io.stderr.write(`warning: ${path} does not parse; gc left its folder alone\n`);
    if (local.unreadable.some((path) => path.endsWith('job.json'))) io.stderr.write('warning: kept every uploaded file in .tunefile/local: a job whose record does not parse may use any of them\n');
    if (r.scratch.removed > 0) io.stdout.write(`scratch (.tunefile/tmp): ${verb} ${r.scratch.removed} folder(s) of killed runs (${mb(r.scratch.bytesFreed)})\n`);
    io.stdout.write(`${r.dryRun ? 'would reclaim' : 'reclaimed'} ${r.bytesFreed.toLocaleString('en-US')} bytes (${mb(r.bytesFreed)})\n`);
    return 0;
  },
};
export default command;
