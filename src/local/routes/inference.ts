// POST /v1/completions and /v1/chat/completions on fine-tuned models, with logprobs, token usage and streaming (SSE).
import { messageText, chatPromptText } from '../dataset.ts';
import { encodePrompt, generate, tokenText, type Generation, type LoadedModel } from '../generate.ts';
import { ApiError, badRequest, readJsonBody, sendEvents, sendJson } from '../http.ts';
import { newId, unixSeconds } from '../ids.ts';
import { storeCompletion, wantsStore } from './stored-completions.ts';
import type { InferenceState, Route, RouteRequest } from './types.ts';

const MAX_TOP_LOGPROBS = 20;

function readInt(body: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${key} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`, key);
  }
  return value;
}

/** Options shared by both endpoints: model, n, stop, and whether to stream (with the usage chunk at the end). */
function readCommon(body: Record<string, unknown>): { model: string; n: number; stop: string[]; stream: boolean; streamUsage: boolean } {
  if (typeof body.model !== 'string' || body.model === '') throw badRequest('model is required', 'model', 'missing_required_parameter');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw badRequest('stream must be a boolean', 'stream');
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) throw badRequest('stream_options must be an object', 'stream_options');
  if (options && body.stream !== true) throw badRequest('stream_options is allowed only with stream: true', 'stream_options');
  const stop = body.stop === undefined || body.stop === null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string') || stop.length > 4) throw badRequest('stop must be a string or an array of up to 4 strings', 'stop');
  return { model: body.model, n: readInt(body, 'n', 1, 128) ?? 1, stop: stop as string[], stream: body.stream === true, streamUsage: options?.include_usage === true };
}

/**
 * Takes a request's cost from the emulated rate limits, if any: its x-ratelimit-* headers, or a 429 as OpenAI answers
 * (retry-after in seconds and retry-after-ms; a request larger than the token limit is told not to retry).
 * `tokens` is what OpenAI counts against TPM: the prompt tokens plus max_tokens for every answer asked for.
 */
function admit(state: InferenceState, model: string, tokens: number): Record<string, string> {
  if (!state.rateLimiter) return {};
  const { headers, refused } = state.rateLimiter.admit(tokens, model);
  if (!refused) return headers;
  const wait = refused.retryAfterMs;
  throw new ApiError(429, refused.message, {
    type: refused.kind,
    code: 'rate_limit_exceeded',
    retry: wait !== undefined,
    headers: { ...headers, ...(wait === undefined ? {} : { 'retry-after': String(Math.ceil(wait / 1000)), 'retry-after-ms': String(wait) }) },
  });
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

async function createCompletion({ req, res, state }: RouteRequest<InferenceState>): Promise<void> {
  const body = await readJsonBody(req, state.maxJsonBytes);
  const { model: name, n, stop, stream, streamUsage } = readCommon(body);
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
  const streamed: object[] = [];
  const encoded = (prompts as string[]).map((prompt) => encodePrompt(model, prompt));
  for (const tokens of encoded) promptTokens += tokens.length;
  const headers = admit(state, name, promptTokens + maxTokens * n * prompts.length);
  for (let i = 0; i < prompts.length; i++) {
    const prompt = (prompts as string[])[i]!;
    const g = generate(model, encoded[i]!, { maxTokens, topLogprobs: logprobs ?? 0, stop });
    completionTokens += g.tokens.length * n;
    const lp = logprobs === undefined ? null : completionLogprobs(model, g, prompt.length);
    for (let j = 0; j < n; j++) {
      choices.push({ text: g.text, index: i * n + j, logprobs: lp, finish_reason: g.finishReason });
      if (stream) streamed.push(...completionDeltas(model, g, i * n + j, lp));
    }
  }
  const head = { id: newId('cmpl-'), object: 'text_completion' as const, created: unixSeconds(state.now()), model: name, system_fingerprint: 'fp_tunefile_local' };
  if (!stream) return sendJson(res, 200, { ...head, choices, usage: usage(promptTokens, completionTokens) }, headers);
  sendEvents(res, [
    ...streamed.map((choice) => ({ ...head, choices: [choice] })),
    ...(streamUsage ? [{ ...head, choices: [], usage: usage(promptTokens, completionTokens) }] : []),
  ], headers);
}

/** One streamed choice of a completion: a chunk per token (with its logprobs), then one with the finish reason. */
function completionDeltas(model: LoadedModel, g: Generation, index: number, lp: ReturnType<typeof completionLogprobs> | null): object[] {
  const out: object[] = g.tokens.map((token, k) => ({
    text: tokenText(model, token),
    index,
    logprobs: lp ? { tokens: [lp.tokens[k]], token_logprobs: [lp.token_logprobs[k]], top_logprobs: [lp.top_logprobs[k]], text_offset: [lp.text_offset[k]] } : null,
    finish_reason: null,
  }));
  out.push({ text: '', index, logprobs: null, finish_reason: g.finishReason });
  return out;
}

function tokenInfo(model: LoadedModel, token: number, logprob: number) {
  const text = tokenText(model, token);
  return { token: text, logprob, bytes: [...Buffer.from(text, 'utf8')] };
}

/** A chat completion request answered: OpenAI's choices, the generation behind them, and the usage. */
export async function answerChat(state: InferenceState, body: Record<string, unknown>) {
  const { model: name, n, stop, stream, streamUsage } = readCommon(body);
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
  // Counted as OpenAI's cookbook does: 3 tokens per message, its role and content, and 3 to prime the reply.
  const promptTokens = 3 + messages.reduce((sum, m) => sum + 3 + model.encoder.encodeOrdinary(String(m.role)).length + model.encoder.encodeOrdinary(messageText(m.content)!).length, 0);
  const headers = admit(state, name, promptTokens + (maxTokens ?? 0) * n);
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
  const head = { id: newId('chatcmpl-'), created: unixSeconds(state.now()), model: name, system_fingerprint: 'fp_tunefile_local' };
  return { head, choices, usage: usage(promptTokens, g.tokens.length * n), model, g, n, logprobs, stream, streamUsage, headers };
}

async function createChatCompletion({ req, res, state }: RouteRequest<InferenceState>): Promise<void> {
  const body = await readJsonBody(req, state.maxJsonBytes);
  const store = wantsStore(body);
  const { head, choices, usage: used, model, g, n, logprobs, stream, streamUsage, headers } = await answerChat(state, body);
  const completion = { ...head, object: 'chat.completion' as const, choices, usage: used };
  // A streamed completion is stored whole, as its chunks add up.
  if (store && state.completions) storeCompletion(state.completions, body, completion);
  if (!stream) return sendJson(res, 200, completion, headers);
  // Streamed as OpenAI does: per choice, the role first, then a content delta per token, then the finish reason.
  const chunk = (choice: object) => ({ ...head, object: 'chat.completion.chunk', choices: [choice] });
  const chunks: object[] = [];
  for (let index = 0; index < n; index++) {
    chunks.push(chunk({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }));
    g.tokens.forEach((token, k) => {
      const content = logprobs ? [logprobs.content[k]!] : null;
      chunks.push(chunk({ index, delta: { content: tokenText(model, token) }, logprobs: content ? { content, refusal: null } : null, finish_reason: null }));
    });
    chunks.push(chunk({ index, delta: {}, logprobs: null, finish_reason: g.finishReason }));
  }
  if (streamUsage) chunks.push({ ...head, object: 'chat.completion.chunk', choices: [], usage: used });
  sendEvents(res, chunks, headers);
}

export const inferenceRoutes: Route<InferenceState>[] = [
  { method: 'POST', pattern: /^\/completions$/, handle: createCompletion },
  { method: 'POST', pattern: /^\/chat\/completions$/, handle: createChatCompletion },
  { method: 'GET', pattern: /^\/models$/, handle: ({ res, state }) => sendJson(res, 200, { object: 'list', data: state.models.list() }) },
  { method: 'GET', pattern: /^\/models\/([^/]+)$/, handle: ({ res, params, state }) => sendJson(res, 200, state.models.retrieve(params[0]!)) },
  { method: 'DELETE', pattern: /^\/models\/([^/]+)$/, handle: ({ res, params, state }) => sendJson(res, 200, state.models.delete(params[0]!)) },
];
