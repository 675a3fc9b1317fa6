// From parsed datasets to what the training loop takes: the model's meta, the loop's config and featurized rows.
import { listClasses, type Dataset } from '../dataset.ts';
import { encodingNameForModel, getEncoding } from '../../tokens/encoding.ts';
import { chooseDimension, featurize, packRows } from './features.ts';
import type { ModelMeta } from './model-file.ts';
import type { TrainConfig, TrainData } from './train.ts';

/** What a run trains on and how. */
export interface TrainingInput {
  /** The base model's name: it picks the token encoding (o200k_base for names tiktoken does not know). */
  baseModel: string;
  train: Dataset;
  valid?: Dataset;
  epochs: number;
  batchSize: number;
  /** Adam's step size (absolute). */
  learningRate: number;
  seed: number;
}

/** A run ready for runEpoch. */
export interface PreparedTraining {
  model: ModelMeta;
  config: TrainConfig;
  data: TrainData;
  /** The base model's tokenizer. */
  tokenize: (text: string) => number[];
  /** Token counts of the training prompts, by text (a caller counting billed tokens need not encode them again). */
  promptTokens: Map<string, number>;
}

/** Tokenizes and featurizes both sets; the classes are the training set's, sorted (listClasses). */
export async function prepareTraining(input: TrainingInput): Promise<PreparedTraining> {
  const encoding = encodingNameForModel(input.baseModel);
  const encoder = await getEncoding(encoding);
  const tokenize = (text: string): number[] => encoder.encodeOrdinary(text);
  const { train, valid } = input;
  const classes = listClasses(train);
  const model: ModelMeta = { kind: 'tunefile-local-classifier', version: 1, baseModel: input.baseModel, encoding, format: train.format, dim: chooseDimension(classes.length), classes };
  const config: TrainConfig = { dim: model.dim, numClasses: classes.length, epochs: input.epochs, batchSize: input.batchSize, learningRate: input.learningRate, seed: input.seed };
  const promptTokens = new Map<string, number>();
  const toData = (set: Dataset) => {
    const rows = set.examples.map((e) => {
      const tokens = tokenize(e.prompt);
      if (set === train) promptTokens.set(e.prompt, tokens.length);
      return featurize(tokens, model.dim);
    });
    return { rows: packRows(rows), labels: Int32Array.from(set.examples, (e) => classes.indexOf(e.label)) };
  };
  const trainSet = toData(train);
  const validSet = valid ? toData(valid) : undefined;
  const data: TrainData = { train: trainSet.rows, trainLabels: trainSet.labels, valid: validSet?.rows, validLabels: validSet?.labels };
  return { model, config, data, tokenize, promptTokens };
}
