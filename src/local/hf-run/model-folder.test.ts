// Model folders: config.json + model.safetensors round trip, and each reason a folder is not one, in words.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp.ts';
import type { ModelMeta } from '../trainer/model-file.ts';
import { createWeights } from '../trainer/model.ts';
import { ModelFolderError, readModelFolder, writeModelFolder } from './model-folder.ts';

const meta: ModelMeta = { kind: 'tunefile-local-classifier', version: 1, baseModel: 'gpt-4o-mini', encoding: 'o200k_base', format: 'chat', dim: 16, classes: ['ham', 'spam'] };

function reasonOf(dir: string): string {
  try {
    readModelFolder(dir);
  } catch (error) {
    if (error instanceof ModelFolderError) return error.reason;
    throw error;
  }
  throw new Error('read');
}

describe('model folders', () => {
  it('round-trips the meta and weights', () => {
    const dir = tempDir('tunefile-model-folder-');
    const weights = createWeights(16, 2);
    weights.W[5] = 1.5;
    weights.b[1] = -2;
    writeModelFolder(dir, meta, weights);
    expect(readModelFolder(dir)).toEqual({ meta, weights });
  });

  it('says why a folder holds no model', () => {
    const root = tempDir('tunefile-model-folder-');
    expect(reasonOf(join(root, 'none'))).toBe('no such folder');
    writeModelFolder(join(root, 'run', 'checkpoint-8'), meta, createWeights(16, 2));
    mkdirSync(join(root, 'run', 'checkpoint-9'));
    expect(reasonOf(join(root, 'run'))).toBe(`holds no model (no config.json); training has not finished, but a checkpoint can be served: ${join(root, 'run', 'checkpoint-8')}`);
    writeFileSync(join(root, 'run', 'config.json'), JSON.stringify({ model_type: 'llama' }));
    expect(reasonOf(join(root, 'run'))).toMatch(/model_type "llama", not 'tunefile-local-classifier'/);
    writeModelFolder(join(root, 'w'), meta, createWeights(16, 2));
    writeFileSync(join(root, 'w', 'model.safetensors'), 'garbage');
    expect(reasonOf(join(root, 'w'))).toMatch(/not a safetensors file/);
  });
});
