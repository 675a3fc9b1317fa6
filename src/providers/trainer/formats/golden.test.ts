// Every config the formats render for one fixed LoRA run and one resumed full fine-tune, against the goldens in
// test/fixtures/trainer-configs/ (the files the Python-side checks parse with each trainer's own parser).
// UPDATE_GOLDEN=1 rewrites them.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../../test/helpers/golden.ts';
import { FULL_SETTINGS, fixtureLayout, LORA_SETTINGS, RESUME_FROM } from '../../../../test/helpers/trainer-fixtures.ts';
import type { TrainerKind } from '../types.ts';
import { trainerFormat } from './index.ts';
import { datasetInfo, llamafactoryFormat } from './llamafactory.ts';

const GOLDEN_DIR = resolve(import.meta.dirname, '../../../../test/fixtures/trainer-configs');

/** golden file name -> its text, rendered now. */
function renderAll(): Record<string, string> {
  const out: Record<string, string> = {};
  const extension: Record<TrainerKind, string> = { axolotl: 'yaml', llamafactory: 'yaml', trl: 'yaml', command: 'json' };
  for (const kind of ['axolotl', 'llamafactory', 'trl', 'command'] as const) {
    const format = trainerFormat(kind);
    const layout = fixtureLayout(format.configName);
    out[`${kind}-lora.${extension[kind]}`] = format.renderConfig(LORA_SETTINGS, layout);
    out[`${kind}-full.${extension[kind]}`] = format.renderConfig(FULL_SETTINGS, layout, RESUME_FROM);
  }
  out['llamafactory-serve-lora.yaml'] = llamafactoryFormat.renderServeConfig!(LORA_SETTINGS, '/run/adapter', 8000, 'tunefile').text;
  out['llamafactory-serve-full.yaml'] = llamafactoryFormat.renderServeConfig!(FULL_SETTINGS, '/run/adapter', 8000, 'tunefile').text;
  out['llamafactory-dataset_info.json'] = datasetInfo();
  return out;
}

describe('trainer config goldens', () => {
  const rendered = renderAll();
  const readme = readFileSync(join(GOLDEN_DIR, 'README.md'), 'utf8');

  it.each(Object.keys(rendered))('%s is what the format renders', (name) => {
    expectGolden(GOLDEN_DIR, name, rendered[name]!);
  });

  it.each(Object.keys(rendered))('%s links the documentation it follows', (name) => {
    if (name.endsWith('.yaml')) expect(rendered[name]!).toMatch(/^# .*\n(# .*\n)*# .*https:\/\//);
    else expect(readme.split(/\n(?=- )/).some((item) => item.includes(`\`${name}\``) && item.includes('https://'))).toBe(true);
  });
});
