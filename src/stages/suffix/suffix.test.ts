import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runStageForTest } from '../../../test/helpers/stage.ts';
import { suffix } from './index.ts';
import { tempDir } from '../../../test/helpers/temp.ts';

/** Writes records as a JSONL file in a temp folder. */
function dataset(records: object[]): string {
  const path = join(tempDir('tf-suffix-'), 'in.jsonl');
  writeFileSync(path, records.map((r, i) => JSON.stringify({ ...r, _row: i + 2 })).join('\n') + '\n');
  return path;
}

describe('suffix', () => {
  it('adds " ->" when no prompt has a newline, the ending and the leading space', async () => {
    const r = await runStageForTest(suffix, { inputs: { dataset: dataset([{ prompt: 'a', completion: 'x' }, { prompt: 'b', completion: ' y' }]) } });
    expect(r.records('dataset')).toEqual([
      { prompt: 'a ->', completion: ' x\n', _row: 2 },
      { prompt: 'b ->', completion: ' y\n', _row: 3 },
    ]);
    expect(r.result && r.result.lock).toEqual({ separator: ' ->', ending: '\n' });
  });

  it('auto skips separators that occur in a prompt, and " ->" when prompts have newlines', async () => {
    const r = await runStageForTest(suffix, { inputs: { dataset: dataset([{ prompt: 'a\nb', completion: 'x' }, { prompt: 'c\n\n###\n\nd', completion: 'y' }]) } });
    expect(r.records('dataset')[0]!.prompt).toBe('a\nb\n\n===\n\n');
  });

  it('is idempotent: running on its own output changes no byte', async () => {
    const once = await runStageForTest(suffix, { inputs: { dataset: dataset([{ prompt: 'a', completion: 'x' }, { prompt: 'b', completion: 'y' }]) } });
    const twice = await runStageForTest(suffix, { inputs: { dataset: once.outputs.dataset!.path } });
    expect(twice.outputs.dataset!.hash).toBe(once.outputs.dataset!.hash);
  });

  it('fails naming the rows where the separator is inside a prompt or the ending inside a completion', async () => {
    const data = dataset([{ prompt: 'ok', completion: 'x' }, { prompt: 'a ### b', completion: 'y' }, { prompt: 'c ### d', completion: 'z' }]);
    await expect(runStageForTest(suffix, { inputs: { dataset: data }, params: { prompt: ' ###' } }))
      .rejects.toThrow('row 3: the separator " ###" occurs inside 2 prompt(s) (rows 3, 4)');
    const ending = dataset([{ prompt: 'p', completion: 'two\nlines' }]);
    await expect(runStageForTest(suffix, { inputs: { dataset: ending } })).rejects.toThrow(/row 2: the ending "\\n" occurs inside 1 completion/);
  });

  it('warns about long separators and common prefixes (legacy thresholds)', async () => {
    const data = dataset([
      { prompt: 'Classify this text: hello', completion: 'label_a' },
      { prompt: 'Classify this text: bye', completion: 'label_b' },
    ]);
    const r = await runStageForTest(suffix, { inputs: { dataset: data }, params: { prompt: '\n\n### END ###\n\n' } });
    expect(r.warnings).toEqual([
      expect.stringMatching(/separator .* is longer than 10 characters/),
      expect.stringMatching(/all prompts start with "Classify this text: "/),
      expect.stringMatching(/all completions start with "label_"/),
    ]);
  });

  it('leaves chat prompts alone and only recodes their labels', async () => {
    const chat = { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'card_arrival' }] };
    const r = await runStageForTest(suffix, { inputs: { dataset: dataset([chat]) } });
    expect(r.records('dataset')[0]!.messages).toEqual(chat.messages);
    const coded = await runStageForTest(suffix, { inputs: { dataset: dataset([chat]) }, params: { labels: { card_arrival: 'A' } } });
    expect((coded.records('dataset')[0]!.messages as { content: string }[])[1]!.content).toBe('A');
  });

  it('labels: auto gives colliding labels distinct single-token codes and writes the labels artifact', async () => {
    const labels = ['card_arrival', 'card_linking', 'card_arrival', 'card_linking', 'ham', 'ham', 'ham', 'card_arrival', 'card_linking'];
    const data = dataset(labels.map((l, i) => ({ prompt: `text ${i}`, completion: l })));
    const r = await runStageForTest(suffix, { inputs: { dataset: data }, params: { labels: 'auto' } });
    expect(r.records('dataset').map((x) => x.completion).slice(0, 5)).toEqual([' arrival\n', ' linking\n', ' arrival\n', ' linking\n', ' ham\n']);
    expect(r.json('labels')).toEqual({
      version: 1, model: 'babbage-002', encoding: 'cl100k_base', leading_space: true,
      labels: { arrival: 'card_arrival', linking: 'card_linking', ham: 'ham' },
      first_tokens: { arrival: ' arrival', linking: ' linking', ham: ' ham' },
    });
  });

  it('an explicit labels map must cover every label and use distinct codes', async () => {
    const data = dataset([{ prompt: 'a', completion: 'x' }, { prompt: 'b', completion: 'y' }]);
    await expect(runStageForTest(suffix, { inputs: { dataset: data }, params: { labels: { x: 'A' } } })).rejects.toThrow(/1 label\(s\) have no code in the map: 'y' \(1 rows\)/);
    await expect(runStageForTest(suffix, { inputs: { dataset: data }, params: { labels: { x: 'A', y: 'A' } } })).rejects.toThrow(/'x' and 'y' both map to 'A'/);
    const ok = await runStageForTest(suffix, { inputs: { dataset: data }, params: { labels: { x: 'A', y: 'B' } } });
    expect(ok.records('dataset').map((x) => x.completion)).toEqual([' A\n', ' B\n']);
  });
});
