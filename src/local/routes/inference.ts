// POST /v1/completions and /v1/chat/completions on fine-tuned models, with logprobs and token usage.
import { messageText, chatPromptText } from '../dataset.ts';
import { encodePrompt, generate, tokenText, type Generation, type LoadedModel } from '../generate.ts';
import { badRequest, readJsonBody, sendJson } from '../http.ts';
import { newId, unixSeconds } from '../ids.ts';
import type { Route, RouteRequest } from './types.ts';

const MAX_TOP_LOGPROBS = 20;

function readInt(body: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${key} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`, key);
  }
  return value;
}

/** Options shared by both endpoints: model, n, stop; streaming is refused. */
function readCommon(body: Record<string, unknown>): { model: string; n: number; stop: string[] } {
  if (typeof body.model !== 'string' || body.model === '') throw badRequest('model is required', 'model', 'missing_required_parameter');
  if (body.stream === true) throw badRequest('stream is not supported by the local server; send stream: false', 'stream');
  const stop = body.stop === undefined || body.stop === null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string') || stop.length > 4) throw badRequest('stop must be a string or an array of up to 4 strings', 'stop');
  return { model: body.model, n: readInt(body, 'n', 1, 128) ?? 1, stop: stop as string[] };
}

function usage(promptTokens: number, completionTokens: number) {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** The legacy completions logprobs object. */
function completionLogprobs(model: LoadedModel, g: Generation, offset: number) {
  const text = (t: number): string => tokenText(model, t);
  const tokens = g.tokens.map(text);
  const offsets: number[] = [];
  for (const t of tokens) {
    offsets.push(offset);
    offset += t.length;
  }
  return {
    tokens,
    token_logprobs: g.logprobs.map((l) => l.logprob),
    top_logprobs: g.logprobs.map((l) => Object.fromEntries(l.top.map((x) => [text(x.token), x.logprob]))),
    text_offset: offsets,
  };
}

async function createCompletion({ req, res, state }: RouteRequest): Promise<void> {
  const body = await readJsonBody(req, state.maxJsonBytes);
  const { model: name, n, stop } = readCommon(body);
  if (body.echo === true) throw badRequest('echo is not supported by the local server', 'echo');
  const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
  if (!Array.isArray(prompts) || prompts.length === 0 || prompts.some((p) => typeof p !== 'string')) {
    throw badRequest('prompt must be a string or a non-empty array of strings', 'prompt');
  }
  const maxTokens = readInt(body, 'max_tokens', 0, 1_000_000) ?? 16;
  const logprobs = readInt(body, 'logprobs', 0, MAX_TOP_LOGPROBS);
  const model = await state.models.load(name);
  let promptTokens = 0;
  let completionTokens = 0;
  // One choice per prompt per n, in order, with index = prompt index * n + j (as OpenAI numbers them); each prompt
  // is tokenized once and goes through the model once, whatever n.
  const choices = [];
  for (let i = 0; i < prompts.length; i++) {
    const prompt = (prompts as string[])[i]!;
    const tokens = encodePrompt(model, prompt);
    promptTokens += tokens.length;
    const g = generate(model, tokens, { maxTokens, topLogprobs: logprobs ?? 0, stop });
    completionTokens += g.tokens.length * n;
    const lp = logprobs === undefined ? null : completionLogprobs(model, g, prompt.length);
    for (let j = 0; j < n; j++) choices.push({ text: g.text, index: i * n + j, logprobs: lp, finish_reason: g.finishReason });
  }
  sendJson(res, 200, { id: newId('cmpl-'), object: 'text_completion', created: unixSeconds(state.now()), model: name, system_fingerprint: 'fp_tunefile_local', choices, usage: usage(promptTokens, completionTokens) });
}

function tokenInfo(model: LoadedModel, token: number, logprob: number) {
  const text = tokenText(model, token);
  return { token: text, logprob, bytes: [...Buffer.from(text, 'utf8')] };
}

async function createChatCompletion({ req, res, state }: RouteRequest): Promise<void> {
  const body = await readJsonBody(req, state.maxJsonBytes);
  const { model: name, n, stop } = readCommon(body);
  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>;
  if (!Array.isArray(messages) || messages.length === 0) throw badRequest('messages must be a non-empty array', 'messages');
  messages.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || typeof m.role !== 'string' || messageText(m.content) === undefined) {
      throw badRequest(`messages[${i}] must be {role: string, content: string or text parts}`, `messages[${i}]`);
    }
  });
  const maxTokens = readInt(body, 'max_completion_tokens', 0, 1_000_000) ?? readInt(body, 'max_tokens', 0, 1_000_000);
  const topLogprobs = readInt(body, 'top_logprobs', 0, MAX_TOP_LOGPROBS);
  if (topLogprobs !== undefined && body.logprobs !== true) throw badRequest('top_logprobs requires logprobs: true', 'top_logprobs');
  const model = await state.models.load(name);
  const g = generate(model, chatPromptText(messages), { ...(maxTokens !== undefined ? { maxTokens } : {}), topLogprobs: topLogprobs ?? 0, stop });
  const logprobs = body.logprobs !== true ? null : {
    content: g.logprobs.map((l) => ({ ...tokenInfo(model, l.token, l.logprob), top_logprobs: l.top.map((x) => tokenInfo(model, x.token, x.logprob)) })),
    refusal: null,
  };
  const choices = Array.from({ length: n }, (_, index) => ({
    index,
    message: { role: 'assistant', content: g.text, refusal: null },
    logprobs,
    finish_reason: g.finishReason,
  }));
  // Counted as OpenAI's cookbook does: 3 tokens per message, its role and content, and 3 to prime the reply.
  const promptTokens = 3 + messages.reduce((sum, m) => sum + 3 + model.encoder.encodeOrdinary(String(m.role)).length + model.encoder.encodeOrdinary(messageText(m.content)!).length, 0);
  sendJson(res, 200, { id: newId('chatcmpl-'), object: 'chat.completion', created: unixSeconds(state.now()), model: name, system_fingerprint: 'fp_tunefile_local', choices, usage: usage(promptTokens, g.tokens.length * n) });
}

export const inferenceRoutes: Route[] = [
  { method: 'POST', pattern: /^\/completions$/, handle: createCompletion },
  { method: 'POST', pattern: /^\/chat\/completions$/, handle: createChatCompletion },
  { method: 'GET', pattern: /^\/models$/, handle: ({ res, state }) => sendJson(res, 200, { object: 'list', data: state.models.list() }) },
  { method: 'GET', pattern: /^\/models\/([^/]+)$/, handle: ({ res, params, state }) => sendJson(res, 200, state.models.retrieve(params[0]!)) },
];
