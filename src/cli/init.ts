// `tunefile init [DIR]`: scaffold a pipeline, a config, sample data and .gitignore lines.
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateTunefile } from '../init/locate.ts';
import { quoteArg } from '../shared/shell-word.ts';
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
The '$schema' lines point into the tunefile package the project reaches (node_modules/tunefile, or
the clone that holds DIR), else to ./node_modules/tunefile/schemas/, where a devDependency puts them.
Then it prints the command that runs the pipeline there: 'npx tunefile run' when npx finds tunefile
in the project (install it with: npm install -D /path/to/tunefile-<version>.tgz), 'tunefile run'
for a global install, else this CLI's own path. The pipeline trains offline on the local provider
and writes reports/sms-spam/.`,
  async run(argv, io) {
    const { positionals } = parseFlags('init', argv, {});
    const dir = resolve(io.cwd, positionals[0] ?? '.');
    const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
    const cliPath = fileURLToPath(new URL(`./main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
    const where = locateTunefile(dir, { packageRoot, cliPath, pathEnv: io.env.PATH });
    const result = scaffoldProject(dir, where.packageDir);
    const shown = relative(io.cwd, dir) || '.';
    for (const name of result.created) io.stdout.write(`created ${shown === '.' ? '' : `${shown}/`}${name}\n`);
    if (result.gitignore !== 'unchanged') io.stdout.write(`${result.gitignore} ${shown === '.' ? '' : `${shown}/`}.gitignore (.tunefile/)\n`);
    io.stdout.write(`\nnext: ${shown === '.' ? '' : `cd ${quoteArg(shown)} && `}${where.command} run\n`);
    if (where.machineSpecific) {
      // npx would ask the registry for an unrelated `tunefile` package, and there is no `tunefile` on PATH.
      io.stdout.write(`(tunefile is not installed in that project; to run it there as 'npx tunefile run': npm install -D ${quoteArg(packageRoot.replace(/[\\/]$/, ''))})\n`);
    }
    return 0;
  },
};
export default command;
