// Stored chat completions through the official SDK: only `store: true` stores, the store survives a restart, lists
// page and filter, and a deleted completion is gone from disk too.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { makeDataDir, smallSms, startTestServer, toChat, toJsonl, upload, waitForJob } from './helpers.ts';

describe('stored chat completions', () => {
  it('stores only what asks to be stored, keeps it over a restart, pages, filters, updates and deletes', async () => {
    const dataDir = makeDataDir();
    let t = await startTestServer({ dataDir });
    try {
      const fileId = await upload(t.client, toJsonl(toChat(smallSms())), 'chat.jsonl');
      const { fine_tuned_model: model } = await waitForJob(t.client, (await t.client.fineTuning.jobs.create({ model: 'gpt-4o-mini-2024-07-18', training_file: fileId, hyperparameters: { n_epochs: 1 } })).id);
      const ask = (content: string, extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}) =>
        t.client.chat.completions.create({ model: model!, messages: [{ role: 'system', content: 'Classify the SMS.' }, { role: 'user', content }], max_completion_tokens: 1, ...extra });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await ask(`message ${i}`, { store: true, metadata: { batch: i % 2 ? 'odd' : 'even' } })).id);
      const unstored = await ask('not kept');
      await ask('not kept either', { store: false });

      // The bad requests store nothing.
      await expect(ask('x', { store: 'yes' as never })).rejects.toMatchObject({ status: 400, param: 'store' });
      await expect(ask('x', { store: true, metadata: { n: 1 as never } })).rejects.toMatchObject({ status: 400, param: 'metadata.n' });
      expect(readdirSync(join(dataDir, 'chat_completions')).length).toBe(5);

      await t.close();
      t = await startTestServer({ dataDir });
      const all: string[] = [];
      for await (const c of t.client.chat.completions.list({ limit: 2 })) all.push(c.id);
      expect(all).toEqual(ids);
      const desc: string[] = [];
      for await (const c of t.client.chat.completions.list({ limit: 2, order: 'desc' })) desc.push(c.id);
      expect(desc).toEqual([...ids].reverse());
      expect((await t.client.chat.completions.list({ metadata: { batch: 'odd' } })).data.map((c) => c.id)).toEqual([ids[1], ids[3]]);
      expect((await t.client.chat.completions.list({ model: 'ft:gpt-4o-mini-2024-07-18:local::other' })).data).toEqual([]);
      await expect(t.client.chat.completions.retrieve(unstored.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);

      // The stored answer is the one given, and its messages are the ones asked with.
      const first = await t.client.chat.completions.retrieve(ids[0]!);
      expect(first.choices[0]!.message.content).toMatch(/^(ham|spam)$/);
      const messages = await t.client.chat.completions.messages.list(ids[0]!);
      expect(messages.data.map((m) => [m.id, m.role, m.content])).toEqual([[`${ids[0]}-0`, 'system', 'Classify the SMS.'], [`${ids[0]}-1`, 'user', 'message 0']]);

      const updated = await t.client.chat.completions.update(ids[2]!, { metadata: { batch: 'odd', reviewed: 'yes' } });
      expect(updated.metadata).toEqual({ batch: 'odd', reviewed: 'yes' });
      expect((await t.client.chat.completions.list({ metadata: { batch: 'odd' } })).data.map((c) => c.id)).toEqual([ids[1], ids[2], ids[3]]);
      await expect(t.client.chat.completions.update(ids[2]!, {} as never)).rejects.toMatchObject({ status: 400, param: 'metadata' });

      expect((await t.client.chat.completions.delete(ids[4]!)).deleted).toBe(true);
      expect(existsSync(join(dataDir, 'chat_completions', `${ids[4]}.json`))).toBe(false);
      await expect(t.client.chat.completions.delete(ids[4]!)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      await expect(t.client.chat.completions.retrieve('../../files')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      expect((await t.client.chat.completions.list()).data.map((c) => c.id)).toEqual(ids.slice(0, 4));
    } finally {
      await t.close();
    }
  });
});
