// `tunefile dag [PIPELINE] [--format text|mermaid|dot]`.
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { loadPipeline } from '../pipeline/index.ts';
import { renderDag, type DagFormat } from '../engine/status.ts';
import { parseFlags } from './args.ts';
import type { Command } from './command.ts';

const FORMATS: DagFormat[] = ['text', 'mermaid', 'dot'];

const command: Command = {
  name: 'dag',
  summary: 'print the stage graph (text, mermaid, dot)',
  help: `Usage: tunefile dag [PIPELINE] [--format text|mermaid|dot]

Prints the stages and the artifacts that flow between them.
  --format text      one line per stage with its inputs (default)
  --format mermaid   a Mermaid flowchart, for Markdown files and pull requests
  --format dot       Graphviz dot (tunefile dag --format dot | dot -Tsvg > dag.svg)`,
  async run(argv, io) {
    const { values, positionals } = parseFlags('dag', argv, { format: { type: 'string', default: 'text' } });
    const format = values.format as DagFormat;
    if (!FORMATS.includes(format)) throw new UsageError(`tunefile dag: --format must be one of ${FORMATS.join(', ')} (got '${values.format}')`);
    const pipeline = await loadPipeline({ ...(positionals[0] ? { file: resolve(io.cwd, positionals[0]) } : {}), cwd: io.cwd, env: io.env, sets: [] });
    io.stdout.write(renderDag(pipeline, format));
    return 0;
  },
};
export default command;
