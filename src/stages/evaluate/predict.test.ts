// evaluate's requests through the real SDK against the local server, behind a small proxy that counts requests and can
// rewrite completions responses: batches of prompts give the same predictions, metrics and report as one prompt per
// request; chat stays one request per example; a response short of a choice fails clearly; cut responses are retried.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDelimited } from '../../data/csv.ts';
import { readLineBatches } from '../../data/text-lines.ts';
import { TunefileError } from '../../errors.ts';
import { startLocalServer, type LocalServer } from '../../local/index.ts';
import type { ModelRequest } from '../../tokens/format.ts';
import { openAiProvider } from '../../providers/openai/api.ts';
import type { Provider } from '../../providers/types.ts';
import { runStageForTest, type TestRunResult } from '../../../test/helpers/stage.ts';
import { evaluate } from './index.ts';
import { DEFAULT_BATCH_SIZE, predictAll } from './predict.ts';
import { tempDir } from '../../../test/helpers/temp.ts';

const API_KEY = 'sk-evaluate-batches';
const ROOT = join(import.meta.dirname, '../../..');
const dir = tempDir('tunefile-evaluate-');

interface Row { prompt: string; completion: string }

/** SMS spam as prompt/completion rows, first occurrence of each text. */
function smsRows(): Row[] {
  const seen = new Set<string>();
  return readFileSync(join(ROOT, 'test/data/sms-spam/SMSSpamCollection.tsv'), 'latin1').split(/\r?\n/).slice(1).flatMap((line) => {
    const tab = line.indexOf('\t');
    const text = line.slice(tab + 1);
    if (tab < 0 || seen.has(text)) return [];
    seen.add(text);
    return [{ prompt: `${text}\n\n###\n\n`, completion: ` ${line.slice(0, tab)}\n` }];
  });
}

/** Banking77 rows (text,category; quoted fields may span lines) as prompt/completion rows: 77 labels, several sharing first tokens. */
async function bankingRows(file: 'train' | 'test'): Promise<Row[]> {
  const path = join(ROOT, `test/data/banking77/${file}.csv`);
  const rows: Row[] = [];
  for await (const batch of parseDelimited(readLineBatches(path), { delimiter: ',', quote: true, displayPath: path })) {
    for (const { fields: [prompt, category], line } of batch) {
      if (line > 1) rows.push({ prompt: `${prompt!.trim()}\n\n###\n\n`, completion: ` ${category}\n` });
    }
  }
  return rows;
}

const jsonl = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** What the proxy does to POST /completions responses. */
type Rewrite = (body: { choices: { index: number }[] }) => unknown;

interface Proxy {
  url: string;
  /** Every request: its path and how many prompts it carried (chat: 1). */
  log: { path: string; prompts: number }[];
  rewrite: Rewrite | undefined;
  /** Cut this many of the next completions responses in half (a body the SDK cannot parse). */
  cut: number;
}

let local: LocalServer;
let direct: OpenAI;
let proxyServer: Server;
const proxy: Proxy = { url: '', log: [], rewrite: undefined, cut: 0 };

/** Forwards to the local server, logging requests and applying `proxy.rewrite` / `proxy.cut` to completions. */
function startProxy(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '').replace(/^\/v1/, '');
      if (req.method === 'POST') {
        const sent = JSON.parse(body.toString('utf8')) as { prompt?: unknown };
        proxy.log.push({ path, prompts: Array.isArray(sent.prompt) ? sent.prompt.length : 1 });
      }
      const out = request(new URL(target + path), { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (up) => {
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => {
          let reply = Buffer.concat(parts);
          if (path === '/completions' && up.statusCode === 200) {
            if (proxy.cut > 0) {
              proxy.cut--;
              reply = reply.subarray(0, reply.length >> 1);
            } else if (proxy.rewrite) {
              reply = Buffer.from(JSON.stringify(proxy.rewrite(JSON.parse(reply.toString('utf8')))));
            }
          }
          res.writeHead(up.statusCode ?? 502, { 'content-type': 'application/json', 'content-length': reply.length });
          res.end(reply);
        });
      });
      out.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const viaProxy = async (): Promise<Provider> => openAiProvider({ type: 'local' }, new OpenAI({ apiKey: API_KEY, baseURL: proxy.url, maxRetries: 0 }), async () => {});

/** A fine-tuned model name, trained on the local server directly. */
async function train(model: string, records: unknown[], epochs = 1): Promise<string> {
  const file = await direct.files.create({ file: await toFile(Buffer.from(jsonl(records)), 'train.jsonl'), purpose: 'fine-tune' });
  let job = await direct.fineTuning.jobs.create({ model, training_file: file.id, seed: 7, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: epochs } } } });
  while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
    // A poll interval: the loop ends on the job's status whenever it comes; 50 ms only sets how soon that is seen.
    await new Promise((r) => setTimeout(r, 50));
    job = await direct.fineTuning.jobs.retrieve(job.id);
  }
  if (job.status !== 'succeeded') throw new Error(`training failed: ${job.error?.message}`);
  return job.fine_tuned_model!;
}

/** Writes the job and valid inputs for an evaluation, under `name`. */
function writeInputs(name: string, model: string, fineTuned: string, valid: unknown[]): Record<string, string> {
  writeFileSync(join(dir, `${name}.job.json`), JSON.stringify({ job_id: 'ftjob-test', model, fine_tuned_model: fineTuned, status: 'succeeded' }));
  writeFileSync(join(dir, `${name}.valid.jsonl`), jsonl(valid));
  return { job: `${name}.job.json`, valid: `${name}.valid.jsonl` };
}

/** Runs evaluate through the proxy and returns the result with the requests it made. */
async function runEvaluate(inputs: Record<string, string>, params: Record<string, unknown> = {}): Promise<{ run: TestRunResult; requests: Proxy['log'] }> {
  proxy.log = [];
  const run = await runStageForTest(evaluate, { dir, inputs, params, provider: viaProxy });
  return { run, requests: proxy.log };
}

const hashes = (r: TestRunResult) => Object.fromEntries(Object.entries(r.outputs).map(([name, ref]) => [name, ref.hash]));

let sms: Record<string, string>;
let smsValid: Row[];
let banking: Record<string, string>;
let bankingValid: Row[];

beforeAll(async () => {
  local = await startLocalServer({ dataDir: join(dir, 'local'), apiKey: API_KEY });
  direct = new OpenAI({ apiKey: API_KEY, baseURL: local.url, maxRetries: 0 });
  proxyServer = await startProxy(local.url);
  proxy.url = `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}/v1`;
  const all = smsRows();
  // Odd sizes, so the last batch is a short one.
  smsValid = all.filter((_, i) => i % 10 === 0).slice(0, 301);
  const smsModel = await train('babbage-002', all.filter((_, i) => i % 10 !== 0).slice(0, 2000));
  sms = writeInputs('sms', 'babbage-002', smsModel, smsValid);
  bankingValid = (await bankingRows('test')).filter((_, i) => i % 6 === 0);
  const bankingModel = await train('babbage-002', await bankingRows('train'), 3);
  banking = writeInputs('banking', 'babbage-002', bankingModel, bankingValid);
});

afterAll(async () => {
  await new Promise((resolve) => proxyServer.close(resolve));
  await local.close();
});

describe('evaluate in batches of prompts', () => {
  it.each([
    ['SMS spam (binary, AUROC from logprobs)', () => ({ inputs: sms, n: smsValid.length, params: {} })],
    // Labels share first tokens (" card_arrival", " card_linking"), so the whole label is generated.
    ['Banking77 (77 labels of several tokens)', () => ({ inputs: banking, n: bankingValid.length, params: { max_tokens: 8 } })],
  ])(
    '%s: the same predictions, metrics and report at batch_size 1, 7 and the default, in fewer requests',
    async (_, data) => {
      const { inputs, n, params } = data();
      const one = await runEvaluate(inputs, { ...params, batch_size: 1 });
      expect(one.requests).toEqual(Array(n).fill({ path: '/completions', prompts: 1 }));
      const metrics = one.run.json('metrics');
      expect(metrics.n).toBe(n);
      // A trained model, not a constant answer: both runs have many right and some wrong predictions to agree on.
      expect(metrics.accuracy).toBeGreaterThan(0.7);
      expect(metrics.accuracy).toBeLessThan(1);

      const byDefault = await runEvaluate(inputs, params);
      expect(byDefault.run.params.batch_size).toBeUndefined();
      expect(byDefault.requests.map((r) => r.prompts)).toEqual([...Array(Math.floor(n / DEFAULT_BATCH_SIZE)).fill(DEFAULT_BATCH_SIZE), n % DEFAULT_BATCH_SIZE].filter((x) => x > 0));
      expect(hashes(byDefault.run)).toEqual(hashes(one.run));
      expect(byDefault.run.json('metrics')).toEqual(metrics);
      expect(byDefault.run.result!.summary).toBe(one.run.result!.summary);

      const seven = await runEvaluate(inputs, { ...params, batch_size: 7, concurrency: 3 });
      expect(seven.requests).toHaveLength(Math.ceil(n / 7));
      expect(hashes(seven.run)).toEqual(hashes(one.run));

      // Progress counts predictions, not requests: from 0 up to n, never backwards.
      const done = byDefault.run.progress.map((p) => Number(/^(\d+)\/(\d+)$/.exec(p)![1]));
      expect(byDefault.run.progress[0]).toBe(`0/${n}`);
      expect(byDefault.run.progress.at(-1)).toBe(`${n}/${n}`);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(done.length).toBe(byDefault.requests.length + 1);
    },
  );

  it('maps choices by index, not by order: reversed choices give the same outputs', async () => {
    const plain = await runEvaluate(sms);
    proxy.rewrite = (body) => ({ ...body, choices: [...body.choices].reverse() });
    try {
      const reversed = await runEvaluate(sms);
      expect(hashes(reversed.run)).toEqual(hashes(plain.run));
    } finally {
      proxy.rewrite = undefined;
    }
  });

  it('fails clearly when a batch response lacks a choice, repeats an index or has one out of range', async () => {
    const cases: [Rewrite, RegExp][] = [
      [(body) => ({ ...body, choices: body.choices.filter((c) => c.index !== 3) }), /response to a batch of 20 prompts has no choice for index 3 \(19 choices in all\)/],
      [(body) => ({ ...body, choices: body.choices.map((c) => ({ ...c, index: 0 })) }), /has two choices for index 0/],
      [(body) => ({ ...body, choices: body.choices.map((c) => ({ ...c, index: c.index + 1 })) }), /has a choice with index 20/],
      [(body) => ({ ...body, choices: [] }), /has no choice for index 0 \(0 choices in all\)/],
    ];
    for (const [rewrite, message] of cases) {
      proxy.rewrite = rewrite;
      try {
        const error = await runEvaluate(sms).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TunefileError);
        expect(error).toMatchObject({ code: 'TUNEFILE_PROVIDER', hint: expect.stringContaining('batch_size: 1') });
        expect((error as Error).message).toMatch(message);
      } finally {
        proxy.rewrite = undefined;
      }
    }
  });

  it('asks again when a batch response is cut in transit, with the same outputs', async () => {
    const plain = await runEvaluate(sms);
    proxy.cut = 2;
    const cut = await runEvaluate(sms);
    expect(proxy.cut).toBe(0);
    expect(cut.requests).toHaveLength(plain.requests.length + 2);
    expect(hashes(cut.run)).toEqual(hashes(plain.run));
  });

  it('stops sending batches once the signal is aborted', async () => {
    const requests: ModelRequest[] = smsValid.slice(0, 100).map((r) => ({ kind: 'completion', prompt: r.prompt, display: r.prompt, answer: r.completion }));
    const controller = new AbortController();
    const { inference: client } = await viaProxy();
    proxy.log = [];
    const model = JSON.parse(readFileSync(join(dir, sms.job!), 'utf8')).fine_tuned_model as string;
    const options = { model, maxTokens: 1, stop: '\n', topLogprobs: 5, signal: controller.signal, concurrency: 1, batchSize: 20 };
    const seen: number[] = [];
    const error = await predictAll(client, requests, options, (done) => {
      seen.push(done);
      controller.abort();
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(seen).toEqual([20]);
    expect(proxy.log).toEqual([{ path: '/completions', prompts: 20 }]);
  });
});

describe('evaluate of a chat model', () => {
  it('sends one request per example whatever batch_size says', async () => {
    const rows = smsRows();
    const chat = (r: Row) => ({ messages: [{ role: 'user', content: r.prompt.replace(/\n\n###\n\n$/, '') }, { role: 'assistant', content: r.completion.trim() }] });
    const model = await train('gpt-4o-mini-2024-07-18', rows.filter((_, i) => i % 10 !== 0).slice(0, 600).map(chat));
    const valid = rows.filter((_, i) => i % 10 === 0).slice(0, 45).map(chat);
    const inputs = writeInputs('chat', 'gpt-4o-mini-2024-07-18', model, valid);
    const one = await runEvaluate(inputs, { batch_size: 1 });
    const batched = await runEvaluate(inputs, { batch_size: 20 });
    expect(batched.requests).toEqual(Array(valid.length).fill({ path: '/chat/completions', prompts: 1 }));
    expect(hashes(batched.run)).toEqual(hashes(one.run));
    expect(batched.run.json('metrics').accuracy).toBeGreaterThan(0.7);
  });
});
