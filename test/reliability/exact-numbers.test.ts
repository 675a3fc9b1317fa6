// Issue 14: labels and prompts that are JSON numbers become their exact source text. Before, JSON.parse turned the
// completions 12345678901234567890 and 12345678901234567891 into one label, 12345678901234567000.
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli.ts';

const JSONL = [
  '{"prompt": "first", "completion": 12345678901234567890, "group": 98765432109876543210}',
  '{"prompt": "second", "completion": 12345678901234567891, "group": 98765432109876543211}',
  '{"prompt": 12345678901234567892, "completion": 1.0}',
  '{"prompt": "fourth", "completion": 7}',
].join('\n') + '\n';

const JSON_ARRAY = `[
  {"prompt": "fifth", "completion": 12345678901234567890},
  {"prompt": "sixth",
   "completion": 12345678901234567891}
]
`;

describe('numbers in JSONL and JSON sources', () => {
  it('keep their source text as prompts, completions and kept fields', async () => {
    const dir = makeProject({
      'data.jsonl': JSONL,
      'data.json': JSON_ARRAY,
      'pipeline.yaml': 'version: 1\nname: numbers\nstages:\n  load:\n    with: { paths: [data.jsonl, data.json], keep_fields: [group] }\n',
    });
    const run = await runCli(['run'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    // Numbers are still counted as converted, so nobody is surprised by a label that was a number.
    expect(run.stderr).toContain('completion: 5 integer, 1 number value(s) were converted to strings');
    const show = await runCli(['show', 'load', 'dataset'], { cwd: dir });
    expect(show.code, show.stderr).toBe(0);
    const records = show.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => [r.prompt, r.completion])).toEqual([
      ['first', '12345678901234567890'],
      ['second', '12345678901234567891'],
      ['12345678901234567892', '1.0'],
      ['fourth', '7'],
      ['fifth', '12345678901234567890'],
      ['sixth', '12345678901234567891'],
    ]);
    // A kept field keeps its digits as text: split's group_by must not merge two ids.
    expect(records.slice(0, 2).map((r) => r.group)).toEqual(['98765432109876543210', '98765432109876543211']);
  }, 120_000);
});
