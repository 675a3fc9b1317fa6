// The formats by kind, with the default command lines the provider starts.
import { describe, expect, it } from 'vitest';
import { trainerFormat } from './index.ts';

describe('trainerFormat', () => {
  it('gives each kind its config file and default train command', () => {
    const table = (['axolotl', 'llamafactory', 'trl', 'command'] as const).map((kind) => [trainerFormat(kind).kind, trainerFormat(kind).configName, trainerFormat(kind).defaultRun]);
    expect(table).toEqual([
      ['axolotl', 'axolotl.yaml', ['axolotl', 'train', '{config}']],
      ['llamafactory', 'llamafactory.yaml', ['llamafactory-cli', 'train', '{config}']],
      ['trl', 'trl.yaml', ['trl', 'sft', '--config', '{config}']],
      ['command', 'local-train.json', ['{tunefile}', 'local-train', '{config}']],
    ]);
  });

  it('serves axolotl and trl adapters with vLLM and a command trainer with tunefile serve; only LLaMA-Factory renders a serve config', () => {
    expect(trainerFormat('axolotl').defaultServe(true).run).toEqual(['vllm', 'serve', '{model}', '--enable-lora', '--lora-modules', '{served_model}={adapter}', '--port', '{port}']);
    expect(trainerFormat('trl').defaultServe(true).run).toEqual(trainerFormat('axolotl').defaultServe(true).run);
    expect(trainerFormat('trl').defaultServe(false).run).toEqual(['vllm', 'serve', '{adapter}', '--served-model-name', '{served_model}', '--port', '{port}']);
    expect(trainerFormat('command').defaultServe(true).run).toEqual(['{tunefile}', 'serve', '--model', '{adapter}', '--port', '{port}', '--served-model-name', '{served_model}', '--api-key', '{api_key}']);
    expect((['axolotl', 'llamafactory', 'trl', 'command'] as const).filter((kind) => trainerFormat(kind).renderServeConfig !== undefined)).toEqual(['llamafactory']);
  });
});
