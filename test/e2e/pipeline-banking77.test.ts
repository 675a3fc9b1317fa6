// e2e: pipelines/banking77.yaml from a fresh clone: chat fine-tuning (gpt-4o-mini) with `labels: auto` recoding, offline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.ts';
import { cloneExample, readLock, readProviderState, withProvider } from './pipeline-support.ts';
import { cookbookTokens } from './billed-tokens.ts';

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

    // tokencheck's estimate is what the provider bills: the chat lines upload wrote (with upload's system message in
    // each) over train's 3 epochs, within 5% of the job's trained_tokens and of the test's own cookbook count.
    const lock = readLock(project, 'pipelines/banking77.lock');
    const estimate = lock.stages.tokencheck!.estimated_billed_tokens as number;
    expect(lock.stages.tokencheck!.n_epochs).toBe(3);
    expect(run.stderr).toMatch(/tokencheck: .*~[\d,]+ billed over 3 epochs/);
    const report = JSON.parse((await show('tokencheck', 'report')).stdout);
    expect(report).toMatchObject({ format: 'chat', system: files.system });
    const { jobs } = await readProviderState(project);
    expect(jobs).toHaveLength(1);
    const trained = jobs[0]!.trained_tokens!;
    expect(Math.abs(estimate - trained) / trained).toBeLessThanOrEqual(0.05);
    const uploaded = await withProvider(project, async (client) => (await client.files.content(lock.stages.upload!.files.train)).text());
    expect(uploaded.split('\n').filter(Boolean).every((l) => JSON.parse(l).messages[0].content === files.system)).toBe(true);
    const billed = 3 * cookbookTokens(uploaded, 'gpt-4o-mini');
    expect(Math.abs(estimate - billed) / billed).toBeLessThanOrEqual(0.05);
    expect(trained).toBe(billed);
    expect(estimate).toBe(billed);
  }, 180_000);
});
