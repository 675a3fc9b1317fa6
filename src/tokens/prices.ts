// Fine-tuning price table (USD per 1M tokens) and lookup with config overrides.
import type { ModelPrice } from '../shared/config-types.ts';

/**
 * OpenAI's published fine-tuning prices (USD per 1M tokens) as of 2025: `training` per trained token,
 * `input`/`output` for the fine-tuned model's inference. Override or extend with config `prices`.
 */
export const PRICES: Record<string, ModelPrice> = {
  'babbage-002': { training: 0.4, input: 1.6, output: 1.6 },
  'davinci-002': { training: 6, input: 12, output: 12 },
  'gpt-3.5-turbo': { training: 8, input: 3, output: 6 },
  'gpt-4o-mini': { training: 3, input: 0.3, output: 1.2 },
  'gpt-4o': { training: 25, input: 3.75, output: 15 },
  'gpt-4.1-nano': { training: 1.5, input: 0.2, output: 0.8 },
  'gpt-4.1-mini': { training: 5, input: 0.8, output: 3.2 },
  'gpt-4.1': { training: 25, input: 3, output: 12 },
};

/** The price for a model: exact name, else the longest table key it starts with; overrides win. */
export function getPrice(model: string, overrides: Record<string, ModelPrice> = {}): ModelPrice | undefined {
  const base = model.startsWith('ft:') ? model.split(':')[1] ?? model : model;
  for (const table of [overrides, PRICES]) {
    if (Object.hasOwn(table, base)) return table[base];
    const key = Object.keys(table).filter((k) => base.startsWith(k)).sort((a, b) => b.length - a.length)[0];
    if (key !== undefined) return table[key];
  }
  return undefined;
}

/** A dollar amount for messages: cents, or enough digits that a small non-zero cost does not read as $0.00. */
export function formatUsd(amount: number): string {
  if (amount === 0 || Math.abs(amount) >= 0.01) return `$${amount.toFixed(2)}`;
  return `$${amount.toPrecision(2).replace(/0+$/, '')}`;
}
