// Where a model's tokenizer comes from: `tokenizer:` (a tokenizer.json or a model folder), else, for open models, the
// local Hugging Face cache; OpenAI's models use tiktoken. The environment is the caller's (never process.env).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { TunefileError } from '../errors.ts';
import { encodingNameForModel, type EncodingName } from './encoding-name.ts';
import type { HfTokenizerFiles } from './hf-tokenizer.ts';
import { getOpenModel, isOpenModel } from './open-models.ts';
import { getBaseModel } from './model-format.ts';

/** What decides a stage's tokenizer. */
export interface TokenizerRequest {
  /** The model (base or fine-tuned name). */
  model: string;
  /** `tokenizer:` as the pipeline gives it: a tokenizer.json, or a folder holding one; relative to `pipelineDir`. */
  tokenizer?: string;
  /** Absolute folder of the pipeline file. */
  pipelineDir: string;
  /** The caller's environment: HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, HOME. */
  env: Readonly<Record<string, string | undefined>>;
}

/** Where a tokenizer was found: tiktoken's encoding, or Hugging Face tokenizer files. */
export type TokenizerSource =
  | { kind: 'tiktoken'; encoding: EncodingName }
  | {
    kind: 'hf';
    /** The Hub repository (from the cache), or the path as `tokenizer:` gives it. */
    name: string;
    files: HfTokenizerFiles;
    /** `path`: named by `tokenizer:` (its files are in the stage key); `hf-cache`: found in the Hugging Face cache. */
    from: 'path' | 'hf-cache';
    /** The cache snapshot (commit) it was read from. */
    revision?: string;
  };

/**
 * The files of a tokenizer path: a folder's tokenizer.json, or the file itself; with the tokenizer_config.json and
 * chat_template.jinja beside it when they exist. These are the files whose content enters the stage key.
 */
export function tokenizerFilesAt(abs: string): HfTokenizerFiles {
  const folder = statSync(abs, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const dir = folder ? abs : dirname(abs);
  const config = join(dir, 'tokenizer_config.json');
  const template = join(dir, 'chat_template.jinja');
  return {
    tokenizer: folder ? join(abs, 'tokenizer.json') : abs,
    ...(isFile(config) ? { config } : {}),
    ...(isFile(template) ? { template } : {}),
  };
}

/** The files of a tokenizer source, as a list (for StageDef.workspaceFiles). */
export function listTokenizerFiles(files: HfTokenizerFiles): string[] {
  return [files.tokenizer, ...(files.config ? [files.config] : []), ...(files.template ? [files.template] : [])];
}

/**
 * The Hugging Face hub cache folder, as huggingface_hub finds it: $HF_HUB_CACHE, else $HF_HOME/hub, else
 * $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. `why` names the rule that chose it.
 */
export function getHfCacheDir(env: Readonly<Record<string, string | undefined>>): { dir: string; why: string } {
  if (env.HF_HUB_CACHE) return { dir: env.HF_HUB_CACHE, why: '$HF_HUB_CACHE' };
  if (env.HF_HOME) return { dir: join(env.HF_HOME, 'hub'), why: '$HF_HOME/hub' };
  if (env.XDG_CACHE_HOME) return { dir: join(env.XDG_CACHE_HOME, 'huggingface', 'hub'), why: '$XDG_CACHE_HOME/huggingface/hub' };
  return { dir: join(env.HOME ?? env.USERPROFILE ?? homedir(), '.cache', 'huggingface', 'hub'), why: '~/.cache/huggingface/hub' };
}

/**
 * A repository's tokenizer in the hub cache (`models--Org--Name/snapshots/<rev>/tokenizer.json`): the snapshot
 * `refs/main` names, else the first snapshot (by name) holding a tokenizer.json; undefined when there is none.
 */
export function findCachedTokenizer(cacheDir: string, repo: string): { files: HfTokenizerFiles; revision: string } | undefined {
  const root = join(cacheDir, `models--${repo.split('/').join('--')}`);
  const snapshots = join(root, 'snapshots');
  const main = readText(join(root, 'refs', 'main'))?.trim();
  const names = [...(main ? [main] : []), ...listDir(snapshots).sort()];
  for (const revision of names) {
    const tokenizer = join(snapshots, revision, 'tokenizer.json');
    if (isFile(tokenizer)) return { files: tokenizerFilesAt(tokenizer), revision };
  }
  return undefined;
}

/**
 * The tokenizer of a stage: `tokenizer:` when given; else tiktoken for OpenAI's models; else (an open model: the
 * table of open-models.ts, or any `Org/Name` id) its tokenizer.json in the Hugging Face cache.
 * @throws TunefileError (TUNEFILE_NOT_FOUND) naming the model, the places searched and how to get the tokenizer
 */
export function findTokenizer(req: TokenizerRequest): TokenizerSource {
  if (req.tokenizer !== undefined) {
    return { kind: 'hf', name: req.tokenizer, files: tokenizerFilesAt(resolve(req.pipelineDir, req.tokenizer)), from: 'path' };
  }
  if (!isOpenModel(req.model)) return { kind: 'tiktoken', encoding: encodingNameForModel(req.model) };
  const repo = getOpenModel(req.model)?.repo ?? getBaseModel(req.model);
  const cache = getHfCacheDir(req.env);
  const found = findCachedTokenizer(cache.dir, repo);
  if (found) return { kind: 'hf', name: repo, files: found.files, from: 'hf-cache', revision: found.revision };
  const place = join(cache.dir, `models--${repo.split('/').join('--')}`, 'snapshots', '*', 'tokenizer.json');
  throw new TunefileError('TUNEFILE_NOT_FOUND', `no tokenizer for ${req.model}: its tokens are counted with its own tokenizer (${repo}), and there is none at ${place} (the Hugging Face cache, ${cache.why}), nor a \`tokenizer:\` parameter`, {
    hint: `download it with \`huggingface-cli download ${repo} tokenizer.json tokenizer_config.json\`, or set \`tokenizer: PATH\` (a tokenizer.json, or a model folder holding one)`,
  });
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

function readText(path: string): string | undefined {
  return existsSync(path) && isFile(path) ? readFileSync(path, 'utf8') : undefined;
}

function listDir(path: string): string[] {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(path) : [];
}
