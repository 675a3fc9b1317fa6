// The default serve command lines of vLLM and SGLang, against their goldens in test/fixtures/serve-commands/, and
// every flag they use against the flags vLLM and SGLang document (the checked-in lists there).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../../test/helpers/golden.ts';
import { sglangServe, type ServeLine, vllmServe } from './serve.ts';

const DIR = resolve(import.meta.dirname, '../../../../test/fixtures/serve-commands');

const VLLM_DOCS = ['Arguments: https://docs.vllm.ai/en/latest/cli/serve.html', 'LoRA adapters: https://docs.vllm.ai/en/latest/features/lora.html#serving-lora-adapters'];
const SGLANG_DOCS = [
  'Arguments: https://docs.sglang.io/advanced_features/server_arguments.html',
  'LoRA serving: https://docs.sglang.io/advanced_features/lora.html',
  'LoRA in the OpenAI API (model is base:adapter): https://docs.sglang.io/basic_usage/openai_api_completions.html#Using-LoRA-Adapters',
];

/** golden name -> the command line, what it is, and the documentation its flags come from. */
const LINES: Record<string, { line: ServeLine; what: string; docs: string[] }> = {
  'vllm-lora.txt': { line: vllmServe(true), what: "vLLM serving the base model with the LoRA adapter (trainers axolotl and trl's default `serve`)", docs: VLLM_DOCS },
  'vllm-full.txt': { line: vllmServe(false), what: 'vLLM serving a fully fine-tuned model', docs: VLLM_DOCS },
  'sglang-lora.txt': { line: sglangServe(true), what: 'SGLang serving the base model with the LoRA adapter', docs: SGLANG_DOCS },
  'sglang-full.txt': { line: sglangServe(false), what: 'SGLang serving a fully fine-tuned model', docs: SGLANG_DOCS },
};

function goldenText({ line, what, docs }: (typeof LINES)[string]): string {
  const header = [what, ...docs, `Requests send model: ${line.requestModel}`].map((text) => `# ${text}\n`).join('');
  return `${header}${line.run.join(' ')}\n`;
}

/** The flag names a documented-flags fixture lists (its lines that are neither comments nor blank). */
function documentedFlags(name: string): Set<string> {
  const lines = readFileSync(join(DIR, name), 'utf8').split('\n');
  return new Set(lines.map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#')));
}

describe('serve command goldens', () => {
  it.each(Object.keys(LINES))('%s is the command line tunefile starts', (name) => {
    expectGolden(DIR, name, goldenText(LINES[name]!));
  });
});

describe('serve command flags', () => {
  const documented = { vllm: documentedFlags('vllm-documented-flags.txt'), sglang: documentedFlags('sglang-documented-flags.txt') };

  it.each(Object.keys(LINES))('%s uses only documented flags', (name) => {
    const flags = LINES[name]!.line.run.filter((word) => word.startsWith('--'));
    expect(flags.length).toBeGreaterThan(0);
    const list = name.startsWith('vllm') ? documented.vllm : documented.sglang;
    expect(flags.filter((flag) => !list.has(flag))).toEqual([]);
  });

  it('names the adapter as SGLang routes it: base model, colon, adapter name', () => {
    expect(sglangServe(true).requestModel).toBe('{model}:{served_model}');
    expect(vllmServe(true).requestModel).toBe('{served_model}');
  });
});
