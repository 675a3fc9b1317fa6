// Followed params (StageDef.follows): tokencheck takes train's n_epochs and upload's system and format unless set.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipeline } from './load.ts';
import { STAGES } from '../stages/registry.ts';
import { tempDir } from '../../test/helpers/temp.ts';

/** Loads a pipeline (in a temp project) whose stages are `stages` (YAML lines under `stages:`). */
async function load(stages: string, sets: string[] = []) {
  const root = tempDir('tunefile-follow-');
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, 'p.yaml'), `version: 1\nmodel: gpt-4o-mini\nstages:\n  load: { with: { path: data.jsonl } }\n  split: {}\n${stages}`);
  const p = await loadPipeline({ cwd: root, file: 'p.yaml', env: {}, sets });
  return { params: (id: string) => p.stages.find((s) => s.id === id)!.params, stageWarnings: (id: string) => p.stages.find((s) => s.id === id)!.warnings, warnings: p.warnings };
}

describe('followed params', () => {
  it("gives tokencheck train's n_epochs and upload's system and format", async () => {
    const p = await load('  tokencheck: {}\n  upload: { with: { system: "Be brief.", format: chat } }\n  train: { with: { n_epochs: 4 } }\n');
    expect(p.params('tokencheck')).toMatchObject({ n_epochs: 4, system: 'Be brief.', format: 'chat', model: 'gpt-4o-mini' });
    expect(p.stageWarnings('tokencheck')).toBeUndefined();
    expect(p.warnings).toEqual([]);
    // --set on train reaches tokencheck (so its key changes with train's epochs).
    expect((await load('  tokencheck: {}\n  upload: {}\n  train: { with: { n_epochs: 4 } }\n', ['train.with.n_epochs=2'])).params('tokencheck').n_epochs).toBe(2);
  });

  it('keeps the defaults when the downstream stages set nothing', async () => {
    const p = await load('  tokencheck: {}\n  upload: {}\n  train: {}\n');
    expect(p.params('tokencheck')).toMatchObject({ n_epochs: 'auto', format: 'auto' });
    expect(p.params('tokencheck')).not.toHaveProperty('system');
  });

  it("keeps a value the user set, with a warning when it differs from what the downstream stage's user set", async () => {
    const p = await load('  tokencheck: { with: { n_epochs: 3, system: "Be brief." } }\n  upload: { with: { system: "Be brief." } }\n  train: { with: { n_epochs: 4 } }\n');
    expect(p.params('tokencheck')).toMatchObject({ n_epochs: 3, system: 'Be brief.' });
    const warning = "'tokencheck' has n_epochs: 3 but stage 'train' has n_epochs: 4; 'tokencheck' uses 3 (remove it to follow 'train')";
    expect(p.stageWarnings('tokencheck')).toEqual([warning]);
    expect(p.warnings).toEqual([expect.stringContaining(warning)]);
    // Train's auto by default is not a disagreement.
    expect((await load('  tokencheck: { with: { n_epochs: 3 } }\n  upload: {}\n  train: {}\n')).stageWarnings('tokencheck')).toBeUndefined();
  });

  it('keeps the default, with a warning, when the downstream stages disagree; stages elsewhere in the graph do not count', async () => {
    const p = await load([
      '  tokencheck: {}',
      '  upload: {}',
      '  train: { with: { n_epochs: 4 } }',
      '  train_long: { uses: train, needs: [upload], with: { n_epochs: 8 } }',
      '  other_split: { uses: split, needs: [load] }',
      '  other_upload: { uses: upload, with: { system: "unrelated" } }',
      '',
    ].join('\n'));
    expect(p.params('tokencheck').n_epochs).toBe('auto');
    expect(p.params('tokencheck')).not.toHaveProperty('system');
    const warning = "the train stages after 'tokencheck' disagree on n_epochs (train: 4, train_long: 8); 'tokencheck' uses n_epochs: \"auto\" (set it in 'tokencheck' to choose)";
    expect(p.stageWarnings('tokencheck')).toEqual([warning]);
    expect(p.warnings).toEqual([expect.stringContaining(warning)]);
  });

  it('names params that exist on both sides in every stage type that follows another', () => {
    const follows = Object.values(STAGES).flatMap((def) => Object.entries(def.follows ?? {}).map(([name, from]) => ({ def, name, from })));
    expect(follows.length).toBeGreaterThan(0);
    for (const { def, name, from } of follows) {
      const props = (d: { schema: Record<string, unknown> } | undefined) => Object.keys((d?.schema.properties ?? {}) as object);
      expect(props(def), `${def.type}.${name}`).toContain(name);
      expect(props(STAGES[from.type]), `${from.type}.${from.param}`).toContain(from.param);
    }
  });
});
