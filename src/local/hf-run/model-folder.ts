// The local classifier as a Hugging Face model folder: `config.json` (model_type, labels, encoding, hash size) and
// `model.safetensors` (the weights), as local-train writes into output_dir and each checkpoint-N/, and serve --model reads.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetFormat } from '../dataset.ts';
import type { EncodingName } from '../../tokens/encoding.ts';
import type { ModelMeta } from '../trainer/model-file.ts';
import type { Weights } from '../trainer/model.ts';
import { readSafetensors, writeSafetensors } from '../trainer/safetensors.ts';
import { writeFileAtomic } from '../../shared/atomic-write.ts';
import { sortedJson } from './sorted-json.ts';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

/** config.json's `model_type`: the local server's model kind. */
export const MODEL_TYPE: ModelMeta['kind'] = 'tunefile-local-classifier';

/** What config.json holds (HF's names where HF has one). */
interface ModelConfig {
  architectures: string[];
  model_type: typeof MODEL_TYPE;
  /** The base model trained from; it names the token encoding. */
  base_model: string;
  tokenizer_encoding: EncodingName;
  /** How prompts were read: `prompt_completion`, or `chat` (the messages before the answer, joined by newlines). */
  data_format: DatasetFormat;
  /** Hash buckets of the token unigram and bigram features. */
  hash_dim: number;
  num_labels: number;
  /** Class index -> label (the completion text), HF's label list. */
  id2label: Record<string, string>;
  label2id: Record<string, number>;
  torch_dtype: 'float32';
  tunefile_model_version: 1;
}

/** Writes config.json and model.safetensors (`weight`: [hash_dim, num_labels] row-major, `bias`: [num_labels]) into `dir`. */
export function writeModelFolder(dir: string, meta: ModelMeta, weights: Weights): void {
  const config: ModelConfig = {
    architectures: ['TunefileHashedNgramSoftmax'],
    model_type: MODEL_TYPE,
    base_model: meta.baseModel,
    tokenizer_encoding: meta.encoding,
    data_format: meta.format,
    hash_dim: meta.dim,
    num_labels: meta.classes.length,
    id2label: Object.fromEntries(meta.classes.map((label, i) => [String(i), label])),
    label2id: Object.fromEntries(meta.classes.map((label, i) => [label, i])),
    torch_dtype: 'float32',
    tunefile_model_version: 1,
  };
  writeSafetensors(join(dir, WEIGHTS_FILE), { weight: { data: weights.W, shape: [meta.dim, meta.classes.length] }, bias: { data: weights.b, shape: [meta.classes.length] } }, { format: 'tunefile' });
  writeFileAtomic(join(dir, CONFIG_FILE), sortedJson(config));
}

/** A folder that holds no model local-train wrote; `reason` says why, in words. */
export class ModelFolderError extends Error {
  readonly dir: string;
  readonly reason: string;
  constructor(dir: string, reason: string) {
    super(`${dir}: ${reason}`);
    this.name = 'ModelFolderError';
    this.dir = dir;
    this.reason = reason;
  }
}

/** config.json's content, or a ModelFolderError saying why the folder has none. */
function readConfig(dir: string): Partial<ModelConfig> {
  if (!existsSync(dir)) throw new ModelFolderError(dir, 'no such folder');
  if (!statSync(dir).isDirectory()) throw new ModelFolderError(dir, 'a file, not a model folder');
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) {
    const checkpoints = readdirSync(dir).filter((n) => /^checkpoint-\d+$/.test(n) && existsSync(join(dir, n, CONFIG_FILE)));
    const newest = checkpoints.sort((a, b) => Number(a.slice(11)) - Number(b.slice(11))).at(-1);
    throw new ModelFolderError(dir, `holds no model (no ${CONFIG_FILE})${newest ? `; training has not finished, but a checkpoint can be served: ${join(dir, newest)}` : ''}`);
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Partial<ModelConfig>;
  } catch (error) {
    throw new ModelFolderError(dir, `${CONFIG_FILE} is not valid JSON (${(error as Error).message})`);
  }
}

/** Reads a model folder written by writeModelFolder; a ModelFolderError names what is wrong. */
export function readModelFolder(dir: string): { meta: ModelMeta; weights: Weights } {
  const config = readConfig(dir);
  if (config.model_type !== MODEL_TYPE) {
    throw new ModelFolderError(dir, `${CONFIG_FILE} has model_type ${JSON.stringify(config.model_type)}, not '${MODEL_TYPE}': not a model tunefile local-train wrote`);
  }
  const classes = Array.from({ length: config.num_labels ?? 0 }, (_, i) => config.id2label?.[String(i)]);
  if (classes.length < 2 || classes.some((c) => typeof c !== 'string') || !config.hash_dim || !config.tokenizer_encoding || !config.base_model || !config.data_format) {
    throw new ModelFolderError(dir, `${CONFIG_FILE} is incomplete (it needs base_model, tokenizer_encoding, data_format, hash_dim, num_labels and an id2label entry for each label)`);
  }
  const meta: ModelMeta = { kind: MODEL_TYPE, version: 1, baseModel: config.base_model, encoding: config.tokenizer_encoding, format: config.data_format, dim: config.hash_dim, classes: classes as string[] };
  let tensors;
  try {
    ({ tensors } = readSafetensors(join(dir, WEIGHTS_FILE)));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFolderError(dir, code === 'ENOENT' ? `has no ${WEIGHTS_FILE}` : (error as Error).message);
  }
  const { weight, bias } = tensors;
  const K = classes.length;
  if (!(weight?.data instanceof Float32Array) || weight.data.length !== meta.dim * K || !(bias?.data instanceof Float32Array) || bias.data.length !== K) {
    throw new ModelFolderError(dir, `${WEIGHTS_FILE} does not hold F32 tensors weight [${meta.dim}, ${K}] and bias [${K}], as ${CONFIG_FILE} describes`);
  }
  return { meta, weights: { dim: meta.dim, numClasses: K, W: weight.data, b: bias.data } };
}
