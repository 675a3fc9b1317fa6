import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runStageForTest } from '../../../test/helpers/stage.ts';
import { load } from '../load/index.ts';
import { suffix } from '../suffix/index.ts';
import { split } from '../split/index.ts';
import { tokencheck } from './index.ts';
import { getDefaultEpochs } from '../../shared/hyperparameters.ts';
import { tempDir } from '../../../test/helpers/temp.ts';
// The test's own token counts come from js-tiktoken directly, not through src/tokens.
import { getEncoding } from 'js-tiktoken';

const encoders = new Map<'cl100k_base' | 'o200k_base', ReturnType<typeof getEncoding>>();
/** Tokens of `text` (special-token text counted as plain text, as upload's bytes are). */
function tokens(encoding: 'cl100k_base' | 'o200k_base', text: string): number {
  let enc = encoders.get(encoding);
  if (!enc) encoders.set(encoding, (enc = getEncoding(encoding)));
  return enc.encode(text, [], []).length;
}

const root = resolve(import.meta.dirname, '../../..');
const banking = resolve(root, 'test/data/banking77/train.csv');
const sms = resolve(root, 'test/data/sms-spam/SMSSpamCollection.tsv');

function files(train: object[], valid: object[]): { train: string; valid: string } {
  const dir = tempDir('tf-tok-');
  const write = (name: string, rows: object[]) => {
    writeFileSync(join(dir, name), rows.map((r, i) => JSON.stringify({ ...r, _row: i + 1 })).join('\n') + '\n');
    return join(dir, name);
  };
  return { train: write('train.jsonl', train), valid: write('valid.jsonl', valid) };
}

/** load -> suffix -> split for a source, returning split's outputs. */
async function prepared(path: string, loadParams: object, suffixParams: object = {}) {
  const loaded = await runStageForTest(load, { params: { path, ...loadParams } });
  const suffixed = await runStageForTest(suffix, { inputs: { dataset: loaded.outputs.dataset!.path }, params: suffixParams });
  const s = await runStageForTest(split, { inputs: { dataset: suffixed.outputs.dataset!.path }, params: { valid: 0.2, seed: 1 } });
  return { train: s.outputs.train!.path, valid: s.outputs.valid!.path, suffixed };
}

describe('tokencheck', () => {
  it('fails on Banking77 naming colliding labels and their shared first token', async () => {
    const { train, valid } = await prepared(banking, { prompt: 'text', completion: 'category' });
    const inputs = { train, valid };
    const error = await runStageForTest(tokencheck, { inputs }).then(() => undefined, (e: unknown) => e as Error & { details: string[]; hint?: string });
    expect(error).toBeDefined();
    expect(error!.message).toMatch(/classes share a first token with another class/);
    expect(error!.message).toMatch(/'card_arrival', .*'card_linking'.* share the first token ' card'/);
    expect(error!.hint).toMatch(/labels: auto/);
  });

  it('passes Banking77 once suffix labels: auto gives distinct single-token codes, passing files through unchanged', async () => {
    const inputs = await prepared(banking, { prompt: 'text', completion: 'category' }, { labels: 'auto' });
    const r = await runStageForTest(tokencheck, { inputs: { train: inputs.train, valid: inputs.valid } });
    const report = r.json('report');
    expect(report.classes).toHaveLength(77);
    expect(new Set(report.classes.map((c: { first_token_id: number }) => c.first_token_id)).size).toBe(77);
    expect(r.outputs.train!.hash).toBe((await runStageForTest(tokencheck, { inputs: { train: inputs.train, valid: inputs.valid } })).outputs.train!.hash);
    const labels = inputs.suffixed.json('labels');
    expect(Object.values(labels.labels)).toContain('card_arrival');
    expect(labels.labels[report.classes[0].label.trim()]).toBeDefined();
  });

  it('reports SMS spam token statistics, classes, epochs and cost, and passes bytes through', async () => {
    const { train, valid } = await prepared(sms, { quote: false, prompt: 'SMS', completion: 'Label' });
    const inputs = { train, valid };
    const r = await runStageForTest(tokencheck, { inputs, model: 'babbage-002' });
    const { hashFile } = await import('../../store/hash.ts');
    expect(r.outputs.train!.hash).toBe((await hashFile(train)).hash);
    expect(r.outputs.valid!.hash).toBe((await hashFile(valid)).hash);
    const report = r.json('report');
    expect(report).toMatchObject({ model: 'babbage-002', encoding: 'cl100k_base', classification: true, failures: [] });
    expect(report.classes.map((c: { label: string; first_token: string }) => [c.label, c.first_token])).toEqual([[' ham\n', ' ham'], [' spam\n', ' spam']]);
    const t = report.splits.train.tokens;
    expect(t.min).toBeLessThanOrEqual(t.median);
    expect(t.median).toBeLessThanOrEqual(t.p95);
    expect(t.p95).toBeLessThanOrEqual(t.max);
    expect(report.splits.train.roles.completion).toBe(2 * report.splits.train.examples);
    expect(report.estimate.n_epochs).toBe(getDefaultEpochs(report.splits.train.examples));
    expect(report).toMatchObject({ format: 'prompt-completion', system: null });
    expect(report.estimate.billed_tokens_per_epoch).toBe(t.total);
    expect(report.estimate.billed_tokens).toBe(report.estimate.n_epochs * t.total);
    const four = await runStageForTest(tokencheck, { inputs, model: 'babbage-002', params: { n_epochs: 4 } });
    expect(four.json('report').estimate).toMatchObject({ n_epochs: 4, n_epochs_source: 'param', billed_tokens: 4 * t.total });
    expect(four.result && four.result.summary).toMatch(new RegExp(`~${(4 * t.total).toLocaleString('en-US')} billed over 4 epochs`));
    expect(r.result && r.result.lock).toEqual({ estimated_cost_usd: report.estimate.cost_usd, estimated_billed_tokens: report.estimate.billed_tokens, n_epochs: report.estimate.n_epochs });
    await expect(runStageForTest(tokencheck, { inputs, params: { max_cost_usd: 0.001 } })).rejects.toMatchObject({ code: 'TUNEFILE_COST' });
    await expect(runStageForTest(tokencheck, { inputs, config: { max_cost_usd: 0.001 } })).rejects.toThrow(/exceeds max_cost_usd \$0\.00/);
    const accepted = await runStageForTest(tokencheck, { inputs, params: { max_cost_usd: 0.001 }, yes: true });
    expect(accepted.warnings.join('\n')).toMatch(/exceeds max_cost_usd .*accepted with --yes/);
  });

  it('fails on too few examples, a class missing from valid, and examples over the limit', async () => {
    const few = files([...Array(9)].map((_, i) => ({ prompt: `p${i}`, completion: i % 2 ? ' yes' : ' no' })), [{ prompt: 'q', completion: ' yes' }]);
    await expect(runStageForTest(tokencheck, { inputs: few })).rejects.toThrow(/only 9 training example\(s\); at least 10/);
    const missing = files([...Array(30)].map((_, i) => ({ prompt: `p${i}`, completion: i % 2 ? ' yes' : ' no' })), [{ prompt: 'q', completion: ' yes' }]);
    await expect(runStageForTest(tokencheck, { inputs: missing })).rejects.toThrow(/1 class\(es\) are absent from valid: 'no'/);
    const long = files([...Array(12)].map((_, i) => ({ prompt: 'word '.repeat(i === 4 ? 40 : 2), completion: ` c${i % 2}` })), [{ prompt: 'q', completion: ' c0' }, { prompt: 'q', completion: ' c1' }]);
    // Row 5 (i = 4): its prompt's tokens plus its completion's, in babbage-002's cl100k_base.
    const row5 = tokens('cl100k_base', 'word '.repeat(40)) + tokens('cl100k_base', ' c0');
    await expect(runStageForTest(tokencheck, { inputs: long, params: { context_limit: 20 } })).rejects.toThrow(`1 example(s) exceed the 20-token limit of babbage-002: row 5 (${row5} tokens)`);
  });

  it('counts chat tokens as the cookbook and reports chat format errors', async () => {
    const good = { messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hi', name: 'bob' }, { role: 'assistant', content: 'yes' }] };
    const bad = { messages: [{ role: 'user', content: 'hi' }, { role: 'robot', content: '' }] };
    // Two classes ('yes', 'no': one token each), since one class is a failure of its own.
    const other = { messages: [...good.messages.slice(0, 2), { role: 'assistant', content: 'no' }] };
    const ok = files([...Array(10)].map((_, i) => (i % 2 ? other : good)), [good, other]);
    const r = await runStageForTest(tokencheck, { inputs: ok, model: 'gpt-4o-mini', params: { distinct_first_token: false } });
    const report = r.json('report');
    expect(report.encoding).toBe('o200k_base');
    // 3 + 3 per message x 3 + name bonus 1 + tokens of every string value (roles, contents, name)
    const n = (s: string) => tokens('o200k_base', s);
    const strings = ['system', 'sys', 'user', 'hi', 'bob', 'assistant', 'yes'];
    expect(report.splits.train.tokens.max).toBe(3 + 9 + 1 + strings.reduce((a, s) => a + n(s), 0));
    // Content tokens by role over the 10 training examples: 5 answer 'yes', 5 'no'.
    expect(report.splits.train.roles).toEqual({ system: 10 * n('sys'), user: 10 * n('hi'), assistant: 5 * n('yes') + 5 * n('no') });
    const broken = files([...Array(10)].map(() => good).concat([bad]), [good]);
    await expect(runStageForTest(tokencheck, { inputs: broken, model: 'gpt-4o-mini' })).rejects.toThrow(/chat format: unrecognized_role in 1 example\(s\) \(row 11\)/);
  });

  const LABELS = ['yes', 'no', 'maybe'];
  it('counts prompt/completion records for a chat model as upload writes them: system, user and assistant messages', async () => {
    const rows = [...Array(12)].map((_, i) => ({ prompt: `question ${i} about cards\n\n###\n\n`, completion: ` ${LABELS[i % 3]}\n` }));
    const inputs = files(rows, rows.slice(0, 3));
    const system = 'Answer with the code only.';
    const r = await runStageForTest(tokencheck, { inputs, model: 'gpt-4o-mini', params: { system, n_epochs: 2 } });
    const report = r.json('report');
    expect(report).toMatchObject({ format: 'chat', system, encoding: 'o200k_base' });
    // Upload's lines: the separator and ending every record ends with are removed, the answer trimmed, the system message first.
    const n = (s: string) => tokens('o200k_base', s);
    const expected = rows.map((row) => 3 + 3 * 3 + n('system') + n(system) + n('user') + n(row.prompt.slice(0, -7)) + n('assistant') + n(row.completion.trim()));
    const perEpoch = expected.reduce((a, b) => a + b, 0);
    expect(report.estimate).toMatchObject({ billed_tokens_per_epoch: perEpoch, billed_tokens: 2 * perEpoch, n_epochs: 2 });
    const user = rows.reduce((a, row) => a + n(row.prompt.slice(0, -7)), 0);
    expect(report.splits.train.roles).toEqual({ system: 12 * n(system), user, assistant: 4 * LABELS.reduce((a, l) => a + n(l), 0) });
    // The first token a chat model answers with has no leading space.
    expect(report.classes.map((c: { label: string; first_token: string }) => [c.label, c.first_token])).toEqual([[' maybe\n', 'maybe'], [' no\n', 'no'], [' yes\n', 'yes']]);
    // The same records for babbage-002 stay prompt/completion, and a system message is not counted (upload refuses it).
    const pc = await runStageForTest(tokencheck, { inputs, model: 'babbage-002', params: { system, distinct_first_token: false } });
    expect(pc.json('report')).toMatchObject({ format: 'prompt-completion', system: null });
    expect(pc.warnings.join('\n')).toMatch(/system message is not counted: babbage-002 is fine-tuned on prompt\/completion pairs/);
  });

  it('uses OpenAI\'s default-epochs heuristic', () => {
    expect([1, 20, 34, 50, 1000, 8333, 8334, 30000].map(getDefaultEpochs)).toEqual([25, 5, 3, 3, 3, 3, 2, 1]);
  });
});
