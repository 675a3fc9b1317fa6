// upload against a real local server through the SDK: chat conversion, reuse by content name, the system/model check.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../local/index.ts';
import { openAiProvider } from '../../providers/openai/api.ts';
import type { Provider } from '../../providers/types.ts';
import { runStageForTest } from '../../../test/helpers/stage.ts';
import { upload } from './index.ts';
import { tempDir } from '../../../test/helpers/temp.ts';

const dir = tempDir('tunefile-upload-');
const lines = (n: number, offset: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `message ${i + offset}\n\n###\n\n`, completion: i % 2 ? ' spam\n' : ' ham\n', _row: i + offset })).join('\n') + '\n';
writeFileSync(join(dir, 'train.jsonl'), lines(12, 1));
writeFileSync(join(dir, 'valid.jsonl'), lines(4, 13));

let server: LocalServer;
let client: OpenAI;
const provider = async (): Promise<Provider> => openAiProvider({ type: 'local' }, client, async () => {});
const inputs = { train: 'train.jsonl', valid: 'valid.jsonl' };

beforeAll(async () => {
  server = await startLocalServer({ dataDir: join(dir, 'local'), apiKey: 'sk-upload-test' });
  client = new OpenAI({ apiKey: 'sk-upload-test', baseURL: server.url, maxRetries: 0 });
});
afterAll(() => server.close());

describe('upload', () => {
  it('converts to chat for gpt-4o-mini with the system message, and reuses identical content found by name', async () => {
    // The server is shared with the other test (which uploads files of its own): count what this test adds.
    const listed = async () => (await client.files.list({ purpose: 'fine-tune' })).data.map((f) => f.id).sort();
    const before = await listed();
    const first = await runStageForTest(upload, { dir, inputs, model: 'gpt-4o-mini', params: { system: 'Spam or ham?' }, provider });
    const files = first.json('files');
    expect(files).toMatchObject({ format: 'chat', system: 'Spam or ham?', prompt_separator: '\n\n###\n\n', completion_ending: '\n' });
    expect(files.train).toMatchObject({ rows: 12, filename: `tunefile-${files.train.hash}.jsonl` });
    const ids = first.result!.lock!.files as { train: string; valid: string };
    const content = await (await client.files.content(ids.train)).text();
    expect(JSON.parse(content.split('\n')[1]!)).toEqual({
      messages: [{ role: 'system', content: 'Spam or ham?' }, { role: 'user', content: 'message 2' }, { role: 'assistant', content: 'spam' }],
    });

    // A fresh state (new kv, as after deleting state.db) finds the same files by their content name.
    const second = await runStageForTest(upload, { dir, inputs, model: 'gpt-4o-mini', params: { system: 'Spam or ham?' }, provider });
    expect(second.result!.lock!.files).toEqual(ids);
    expect(second.outputs.files!.hash).toBe(first.outputs.files!.hash);
    expect(second.result!.summary).toContain('train reused');
    expect(await listed()).toEqual([...before, ids.train, ids.valid].sort());
  });

  it('writes prompt/completion lines for babbage-002 and refuses a system message for it', async () => {
    const pc = await runStageForTest(upload, { dir, inputs, model: 'babbage-002', provider });
    const ids = pc.result!.lock!.files as { train: string };
    const first = JSON.parse((await (await client.files.content(ids.train)).text()).split('\n')[0]!);
    expect(first).toEqual({ prompt: 'message 1\n\n###\n\n', completion: ' ham\n' });
    await expect(runStageForTest(upload, { dir, inputs, model: 'babbage-002', params: { system: 'x' }, provider })).rejects.toThrow(/'system' applies to chat models only/);
  });
});
