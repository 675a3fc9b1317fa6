import { describe, expect, it } from 'vitest';
import { parseResultsCsv } from './results-csv.ts';

describe('parseResultsCsv', () => {
  it('reads the documented columns, empty cells as null', () => {
    const text = 'step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,2.5,0.25,,\n2,1.25,0.5,1.5,0.4\n';
    expect(parseResultsCsv(text)).toEqual([
      { step: 1, train_loss: 2.5, train_accuracy: 0.25, valid_loss: null, valid_mean_token_accuracy: null },
      { step: 2, train_loss: 1.25, train_accuracy: 0.5, valid_loss: 1.5, valid_mean_token_accuracy: 0.4 },
    ]);
  });

  it('tolerates BOM, CRLF, extra and reordered columns, quotes and nan', () => {
    const text =
      '\uFEFFstep,valid_loss,train_loss,"full_valid_loss",train_accuracy\r\n3,nan,0.75,"0.1",1\r\n\r\n4,0.5,0.5,,\r\n';
    expect(parseResultsCsv(text)).toEqual([
      { step: 3, train_loss: 0.75, train_accuracy: 1, valid_loss: null, valid_mean_token_accuracy: null },
      { step: 4, train_loss: 0.5, train_accuracy: null, valid_loss: 0.5, valid_mean_token_accuracy: null },
    ]);
  });

  it('maps the legacy OpenAI column names', () => {
    const text = 'step,elapsed_tokens,training_loss,training_token_accuracy,validation_loss,validation_token_accuracy\n1,100,0.3,0.9,0.4,0.8\n';
    expect(parseResultsCsv(text)).toEqual([{ step: 1, train_loss: 0.3, train_accuracy: 0.9, valid_loss: 0.4, valid_mean_token_accuracy: 0.8 }]);
  });

  it('returns [] for an empty file and names file, line and column on bad input', () => {
    expect(parseResultsCsv('')).toEqual([]);
    expect(() => parseResultsCsv('epoch,loss\n1,2\n', 'job.csv')).toThrow("job.csv:1: expected a 'step' column");
    expect(() => parseResultsCsv('step,train_loss\n1,0.5\n2,abc\n')).toThrow('results.csv:3: column train_loss: expected a number (got "abc")');
    expect(() => parseResultsCsv('step,train_loss\n,0.5\n')).toThrow('results.csv:2: column step');
  });
});
