// e2e: pipelines/banking77.yaml from a fresh clone: chat fine-tuning (gpt-4o-mini) with `labels: auto` recoding, offline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.ts';
import { cloneExample } from './pipeline-support.ts';

describe('pipelines/banking77.yaml on the local provider', () => {
  it('uploads chat records, trains, and reports metrics under the original intent names', async () => {
    const project = cloneExample('banking77');
    const run = await runJson(['pipelines/banking77.yaml'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    const show = (stage: string, artifact: string) => runCli(['show', 'pipelines/banking77.yaml', stage, artifact], { cwd: project });

    const files = JSON.parse((await show('upload', 'files')).stdout);
    expect(files.format).toBe('chat');
    expect(files.system).toMatch(/intent code/);

    const first = JSON.parse((await show('evaluate', 'predictions')).stdout.split('\n')[0]!);
    expect(Object.keys(first).sort()).toEqual(['expected', 'logprob', 'predicted', 'prompt', 'row']);
    const metrics = JSON.parse(readFileSync(join(project, 'reports', 'banking77', 'metrics.json'), 'utf8'));
    expect(metrics.labels).toHaveLength(77);
    expect(metrics.labels).toContain('card_arrival');
    expect(metrics.binary).toBeUndefined();
    expect(metrics.accuracy).toBeGreaterThan(0.7);
  }, 120_000);
});
