// Where a model's tokenizer comes from: `tokenizer:` first, tiktoken for OpenAI's models, else the Hugging Face cache
// found from the caller's environment ($HF_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub, ~/.cache/...).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOGETHER_BASE_MODELS } from '../local/model-names.ts';
import { TunefileError } from '../errors.ts';
import { getContextLimit } from './models.ts';
import { getOpenModel, listOpenModels } from './open-models.ts';
import { findTokenizer, getHfCacheDir, tokenizerFilesAt } from './tokenizer-source.ts';
import { tempDir } from '../../test/helpers/temp.ts';

/** A hub cache folder holding `repo` at the given snapshots (each with a tokenizer.json), `main` naming one of them. */
function hubCache(repo: string, snapshots: string[], main?: string, extra: string[] = []): string {
  const cache = tempDir('tunefile-hub-');
  const root = join(cache, `models--${repo.replace('/', '--')}`);
  for (const rev of snapshots) {
    mkdirSync(join(root, 'snapshots', rev), { recursive: true });
    for (const file of ['tokenizer.json', ...extra]) writeFileSync(join(root, 'snapshots', rev, file), `{"rev": "${rev}"}`);
  }
  if (main) {
    mkdirSync(join(root, 'refs'), { recursive: true });
    writeFileSync(join(root, 'refs', 'main'), main);
  }
  return cache;
}

describe('findTokenizer', () => {
  it('uses tiktoken for OpenAI models, and the Hugging Face cache for open ones', () => {
    expect(findTokenizer({ model: 'gpt-4o-mini', pipelineDir: '/p', env: {} })).toEqual({ kind: 'tiktoken', encoding: 'o200k_base' });
    expect(findTokenizer({ model: 'ft:babbage-002:org:x:1', pipelineDir: '/p', env: {} })).toEqual({ kind: 'tiktoken', encoding: 'cl100k_base' });
    const cache = hubCache('meta-llama/Llama-3.1-8B-Instruct', ['abc'], 'abc', ['tokenizer_config.json']);
    // Together's name maps to the Hub repository of the same weights; a fine-tuned name uses its base.
    for (const model of ['meta-llama/Meta-Llama-3.1-8B-Instruct-Reference', 'ft:meta-llama/Meta-Llama-3.1-8B-Instruct-Reference:local:x:1']) {
      expect(findTokenizer({ model, pipelineDir: '/p', env: { HF_HUB_CACHE: cache } })).toEqual({
        kind: 'hf', name: 'meta-llama/Llama-3.1-8B-Instruct', from: 'hf-cache', revision: 'abc',
        files: {
          tokenizer: join(cache, 'models--meta-llama--Llama-3.1-8B-Instruct', 'snapshots', 'abc', 'tokenizer.json'),
          config: join(cache, 'models--meta-llama--Llama-3.1-8B-Instruct', 'snapshots', 'abc', 'tokenizer_config.json'),
        },
      });
    }
    // An `Org/Name` id outside the table is looked up as a repository of its own.
    const other = hubCache('mistralai/Mistral-7B-Instruct-v0.3', ['r1']);
    expect(findTokenizer({ model: 'mistralai/Mistral-7B-Instruct-v0.3', pipelineDir: '/p', env: { HF_HUB_CACHE: other } })).toMatchObject({ kind: 'hf', revision: 'r1' });
  });

  it('prefers `tokenizer:` (relative to the pipeline folder; a file or a folder) over the cache', () => {
    const project = tempDir('tunefile-tok-path-');
    mkdirSync(join(project, 'tok'));
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja']) writeFileSync(join(project, 'tok', f), '{}');
    const cache = hubCache('Qwen/Qwen3-8B', ['abc'], 'abc');
    const files = { tokenizer: join(project, 'tok', 'tokenizer.json'), config: join(project, 'tok', 'tokenizer_config.json'), template: join(project, 'tok', 'chat_template.jinja') };
    for (const tokenizer of ['tok', 'tok/tokenizer.json', './tok/']) {
      expect(findTokenizer({ model: 'Qwen/Qwen3-8B', tokenizer, pipelineDir: project, env: { HF_HUB_CACHE: cache } })).toEqual({ kind: 'hf', name: tokenizer, from: 'path', files });
    }
    // Even for an OpenAI model: the user said which tokenizer.
    expect(findTokenizer({ model: 'gpt-4o-mini', tokenizer: 'tok', pipelineDir: project, env: {} })).toMatchObject({ kind: 'hf', from: 'path' });
    expect(tokenizerFilesAt(join(project, 'missing'))).toEqual({ tokenizer: join(project, 'missing') });
  });

  it('takes the snapshot refs/main names, else the first one holding a tokenizer.json', () => {
    const cache = hubCache('Qwen/Qwen3-8B', ['aaa', 'bbb', 'ccc'], 'bbb');
    expect(findTokenizer({ model: 'Qwen/Qwen3-8B', pipelineDir: '/', env: { HF_HUB_CACHE: cache } })).toMatchObject({ revision: 'bbb' });
    const noRef = hubCache('Qwen/Qwen3-8B', ['ccc', 'aaa']);
    expect(findTokenizer({ model: 'Qwen/Qwen3-8B', pipelineDir: '/', env: { HF_HUB_CACHE: noRef } })).toMatchObject({ revision: 'aaa' });
  });

  it('finds the cache as huggingface_hub does, from the environment it is given', () => {
    expect(getHfCacheDir({ HF_HUB_CACHE: '/a', HF_HOME: '/b', XDG_CACHE_HOME: '/c', HOME: '/d' })).toEqual({ dir: '/a', why: '$HF_HUB_CACHE' });
    expect(getHfCacheDir({ HF_HOME: '/b', XDG_CACHE_HOME: '/c', HOME: '/d' })).toEqual({ dir: join('/b', 'hub'), why: '$HF_HOME/hub' });
    expect(getHfCacheDir({ XDG_CACHE_HOME: '/c', HOME: '/d' })).toEqual({ dir: join('/c', 'huggingface', 'hub'), why: '$XDG_CACHE_HOME/huggingface/hub' });
    expect(getHfCacheDir({ HOME: '/d' })).toEqual({ dir: join('/d', '.cache', 'huggingface', 'hub'), why: '~/.cache/huggingface/hub' });
  });

  it('fails naming the model, the place searched, and how to get the tokenizer', () => {
    const home = tempDir('tunefile-hf-home-');
    let error: TunefileError | undefined;
    try {
      findTokenizer({ model: 'Qwen/Qwen3-8B', pipelineDir: '/', env: { HF_HOME: home } });
    } catch (e) {
      error = e as TunefileError;
    }
    expect(error).toBeInstanceOf(TunefileError);
    expect(error!.code).toBe('TUNEFILE_NOT_FOUND');
    expect(error!.message).toBe(`no tokenizer for Qwen/Qwen3-8B: its tokens are counted with its own tokenizer (Qwen/Qwen3-8B), and there is none at ${join(home, 'hub', 'models--Qwen--Qwen3-8B', 'snapshots', '*', 'tokenizer.json')} (the Hugging Face cache, $HF_HOME/hub), nor a \`tokenizer:\` parameter`);
    expect(error!.hint).toBe('download it with `huggingface-cli download Qwen/Qwen3-8B tokenizer.json tokenizer_config.json`, or set `tokenizer: PATH` (a tokenizer.json, or a model folder holding one)');
  });
});

describe('open models', () => {
  it('cover every Together base model, with its context length', () => {
    expect(TOGETHER_BASE_MODELS.filter((m) => !getOpenModel(m))).toEqual([]);
    expect(listOpenModels().filter((m) => !/^(Qwen\/Qwen3-|Qwen\/Qwen2\.5-|meta-llama\/(Meta-)?Llama-3|google\/gemma-)/.test(m))).toEqual([]);
    expect(getContextLimit('Qwen/Qwen3-8B')).toBe(32_768);
    expect(getContextLimit('ft:meta-llama/Llama-3.2-3B-Instruct:local:x:1')).toBe(131_072);
    expect(getContextLimit('gpt-4o-mini')).toBe(65_536);
  });
});
