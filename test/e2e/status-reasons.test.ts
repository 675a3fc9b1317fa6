// Issue 14, first-time user: `status` names the parameter that changed, not a rendering of the whole list cut short.
// A `${params.word}` inside a command's long `run:` list used to show both sides cut at the same prefix.
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, runJson } from '../helpers/cli.ts';

const SCRIPT = "require('fs').writeFileSync(process.argv[1], process.argv[2] + ' ' + process.argv[3])";
const PIPELINE = `version: 1
params:
  word: hello
stages:
  gen:
    uses: command
    with:
      run: [node, -e, "${SCRIPT}", "{out.data}", "\${params.word}", "a long literal argument that keeps the rendering of this list well past sixty characters, then: hello"]
      outputs: [data]
`;

describe('status reasons name the change (issue 14)', () => {
  it('says params.word "hello" -> "world" with the element it feeds, and shows where a long element differs', async () => {
    const dir = makeProject({ 'pipeline.yaml': PIPELINE });
    expect((await runJson([], { cwd: dir })).code).toBe(0);

    const byParam = await runCli(['status', '--set', 'params.word=world'], { cwd: dir });
    expect(byParam.code, byParam.stderr).toBe(0);
    expect(byParam.stdout).toContain('params changed: params.word "hello" -> "world" (with.run[4])');

    const literal = PIPELINE.replace('then: hello', 'then: world');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/pipeline.yaml`, literal);
    const status = await runCli(['status', '--json'], { cwd: dir });
    const [reason] = JSON.parse(status.stdout).stages[0].reasons as string[];
    expect(reason).toMatch(/^params changed: with\.run\[5\] \.\.\..*then: hello" -> \.\.\..*then: world"$/);
  });
});
