// `tunefile init [DIR]`: scaffold a pipeline, a config, sample data and .gitignore lines.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { scaffoldProject } from '../init/scaffold.ts';
import { parseFlags } from './args.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'init',
  summary: 'scaffold a pipeline, sample data and .gitignore lines',
  help: `Usage: tunefile init [DIR]

Creates a runnable project in DIR (default: the current folder; created if missing):
  pipeline.yaml              the pipeline (load -> dedupe -> suffix -> split -> tokencheck -> upload -> train -> evaluate)
  tunefile.config.json       project defaults; makes DIR the project root
  data/sms-spam-sample.tsv   1,000 real messages of the SMS Spam Collection (CC BY 4.0)
  data/README.md             the data's source and licence
  .gitignore                 gets a '.tunefile/' line (appended when the file exists)

It never overwrites a file: if one of them exists, nothing is written (exit 2).
Then: cd DIR && tunefile run   (trains offline on the local provider and writes reports/sms-spam/).`,
  async run(argv, io) {
    const { positionals } = parseFlags('init', argv, {});
    const dir = resolve(io.cwd, positionals[0] ?? '.');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = scaffoldProject(dir, pkg.version);
    const shown = relative(io.cwd, dir) || '.';
    for (const name of result.created) io.stdout.write(`created ${shown === '.' ? '' : `${shown}/`}${name}\n`);
    if (result.gitignore !== 'unchanged') io.stdout.write(`${result.gitignore} ${shown === '.' ? '' : `${shown}/`}.gitignore (.tunefile/)\n`);
    io.stdout.write(`\nnext: ${shown === '.' ? '' : `cd ${shown} && `}tunefile run\n`);
    return 0;
  },
};
export default command;
