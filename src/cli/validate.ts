// `tunefile validate [PIPELINE] [--set K=V]... [--json]`: schema, wiring and source-file checks; exit 0 or 2.
import { TunefileError, exitCodeFor } from '../errors.ts';
import { PipelineInvalidError, displayPath, loadPipeline } from '../pipeline/index.ts';
import type { ReportedDiagnostic } from '../pipeline/index.ts';
import { parseFlags } from './args.ts';
import type { Command } from './command.ts';

const command: Command = {
  name: 'validate',
  summary: 'check a pipeline file (schema, wiring, source files); exit 0 or 2',
  help: `Usage: tunefile validate [PIPELINE] [--set KEY=VALUE]... [--json]

Checks a pipeline file without running anything: YAML syntax, the schema
(schemas/pipeline.schema.json: keys, types, ranges of every stage's 'with:'),
\${params.X}/\${env.X} references, 'needs', cycles, the wiring of every
input artifact, and the files stages read: each source exists and is a regular
file, and the columns load names are in its header (CSV/TSV) or its first
record (JSONL/JSON). Every problem is reported as 'file:line:col path: message'.

PIPELINE defaults to pipeline.yaml in the current folder, then the config's 'pipeline'.

Options:
  --set KEY=VALUE   override a value, as 'run' would (repeatable), e.g.
                    --set train.with.n_epochs=8  --set params.seed=7
  --json            print one JSON document on stdout:
                    {"ok", "pipeline", "stages": [{id, type, needs, inputs, outputs}], "errors", "warnings"}

Exit codes: 0 valid, 2 invalid pipeline or config, or a usage error.`,
  async run(argv, io) {
    const { values, positionals } = parseFlags('validate', argv, {
      set: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
    });
    const json = values.json === true;
    try {
      const pipeline = await loadPipeline({ file: positionals[0], cwd: io.cwd, env: io.env, sets: values.set as string[], checkFiles: true });
      const file = displayPath(pipeline.file, io.cwd);
      if (json) {
        const stages = pipeline.stages.map(({ id, type, needs, inputs, outputs, line }) => ({ id, type, needs, inputs, outputs, line }));
        io.stdout.write(JSON.stringify({ ok: true, pipeline: pipeline.relFile, stages, errors: [], warnings: pipeline.warnings }, null, 2) + '\n');
        return 0;
      }
      for (const warning of pipeline.warnings) io.stderr.write(`warning: ${warning}\n`);
      const n = pipeline.stages.length;
      io.stdout.write(`ok: ${file} (${n} stage${n === 1 ? '' : 's'})\n`);
      return 0;
    } catch (error) {
      if (!json || !(error instanceof TunefileError) || exitCodeFor(error) !== 2) throw error;
      const errors = error instanceof PipelineInvalidError ? error.diagnostics.map(plain) : [{ message: error.message }];
      const warnings = error instanceof PipelineInvalidError ? error.warnings.map(plain) : [];
      io.stdout.write(JSON.stringify({ ok: false, code: error.code, message: error.message, errors, warnings }, null, 2) + '\n');
      return 2;
    }
  },
};

function plain({ text: _text, ...rest }: ReportedDiagnostic) {
  return rest;
}

export default command;
