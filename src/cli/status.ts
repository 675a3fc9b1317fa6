// `tunefile status [PIPELINE] [--json]`.
import { resolve } from 'node:path';
import { pipelineStatus } from '../engine/status.ts';
import { redact, secretsInEnv } from '../providers/redact.ts';
import { parseFlags } from './args.ts';
import type { Command } from './command.ts';
import { withJsonErrors, writeJson } from './json-output.ts';

const command: Command = {
  name: 'status',
  summary: 'show each stage as up-to-date, stale or never-run, with reasons',
  help: `Usage: tunefile status [PIPELINE] [--set KEY=VALUE]... [--json]

Shows each stage as up-to-date, stale or never-run, with the reasons: a parameter with its old and new
value, an input artifact and its producer, a source file, the implementation version, a missing output.
It never waits for a running 'tunefile run' and reads no dataset bytes when files are unchanged.

Options:
  --set KEY=VALUE   evaluate the status as if this override were given
  --json            print one document on stdout, also for an invalid pipeline:
                    {"ok", "pipeline", "stages": [{"id", "type", "state", "reasons"}], "error"}
                    (schemas/status.schema.json)`,
  async run(argv, io) {
    const { values, positionals } = parseFlags('status', argv, { json: { type: 'boolean' }, set: { type: 'string', multiple: true } });
    const result = await pipelineStatus({ ...(positionals[0] ? { file: resolve(io.cwd, positionals[0]) } : {}), cwd: io.cwd, env: io.env, sets: values.set ?? [] });
    if (values.json) {
      writeJson(io, { ok: true, pipeline: result.pipeline, stages: result.stages, error: null });
      return 0;
    }
    // Reasons come from lock entries too (an old provider identity): redacted like every other output.
    const secrets = secretsInEnv(io.env);
    for (const s of result.stages) {
      io.stdout.write(`${s.id.padEnd(16)} ${s.state}\n`);
      for (const r of s.reasons) io.stdout.write(`${' '.repeat(17)}${redact(r, secrets)}\n`);
    }
    return 0;
  },
};
export default withJsonErrors(command, (_argv, error) => ({ ok: false, pipeline: null, stages: [], error }));
