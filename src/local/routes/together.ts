// Together AI's fine-tuning API, served under /together/v1 beside OpenAI's /v1 (their paths collide): files (the
// SDK's two-step upload and the documented multipart /files/upload), fine-tunes with their events, checkpoints,
// metrics, cancel, delete and price estimate, the fine-tunable models and their limits, and chat completions (streamed
// too) and models for the result. The jobs are the same jobs as OpenAI's, on the same trainer; these handlers only
// translate shapes.
import { HYPERPARAMETER_RANGES } from '../../shared/hyperparameters.ts';
import { encodingNameForModel, getEncoding } from '../../tokens/encoding.ts';
import { tokenText } from '../generate.ts';
import { ApiError, badRequest, readBody, readJsonBody, sendEvents, sendJson } from '../http.ts';
import { newId } from '../ids.ts';
import { readDataset } from '../job-create.ts';
import type { FileObject } from '../file-store.ts';
import { TERMINAL, type JobRecord, type JobStatus } from '../job-store.ts';
import { TOGETHER_BASE_MODELS } from '../model-names.ts';
import { countBilledTokens } from '../trainer/billed-tokens.ts';

/**
 * Together's learning_rate is an absolute step size for an LLM (its default is 0.00001); the local trainer's is a
 * multiplier of its classifier's own. Together's default maps onto multiplier 1, so a learning rate that suits Together
 * suits the local trainer in the same proportion.
 */
const TOGETHER_LEARNING_RATE_UNIT = 0.00001;

/** A job's learning-rate multiplier as Together's learning rate (rounded, so 0.00003 reads back as 0.00003). */
const togetherLearningRate = (multiplier: number): number => Number((multiplier * TOGETHER_LEARNING_RATE_UNIT).toPrecision(12));
import type { StepMetrics } from '../trainer/protocol.ts';
import { deleteStoredFile } from './files.ts';
import { answerChat } from './inference.ts';
import type { Route, RouteRequest } from './types.ts';

/** The path prefix of Together's API on the local server. */
export const TOGETHER_PREFIX = '/together/v1';

const FILE_TYPES = ['jsonl', 'csv', 'parquet'];
/** Together's file purposes; other files on the server (OpenAI's job result files) are not Together's to list. */
const PURPOSES = ['fine-tune', 'eval', 'eval-sample', 'eval-output', 'eval-summary', 'batch-generated', 'batch-api'];

/** Together's statuses for the server's job statuses. */
const STATUS: Record<JobStatus, string> = {
  validating_files: 'pending',
  queued: 'queued',
  running: 'running',
  // A job paused through OpenAI's API waits, which Together's statuses call queued (Together has no pause).
  paused: 'queued',
  succeeded: 'completed',
  failed: 'error',
  cancelled: 'cancelled',
};

function togetherFile(file: FileObject): Record<string, unknown> {
  const type = /\.([a-z]+)$/.exec(file.filename)?.[1] ?? 'jsonl';
  return { id: file.id, object: 'file', created_at: file.created_at, filename: file.filename, bytes: file.bytes, purpose: file.purpose, Processed: true, FileType: FILE_TYPES.includes(type) ? type : 'jsonl' };
}

const iso = (seconds: number | null | undefined) => new Date((seconds ?? 0) * 1000).toISOString();

/** A job as Together retrieves it (FinetuneResponse, which has no suffix or seed), or lists it (`truncated`). */
function togetherJob(record: JobRecord, truncated = true): Record<string, unknown> {
  const { job } = record;
  const h = job.hyperparameters;
  return {
    id: job.id,
    status: STATUS[job.status],
    created_at: iso(job.created_at),
    updated_at: iso(job.finished_at ?? job.created_at),
    training_file: job.training_file,
    ...(job.validation_file ? { validation_file: job.validation_file } : {}),
    model: job.model,
    model_output_name: record.modelName,
    ...(truncated && job.user_provided_suffix ? { suffix: job.user_provided_suffix } : {}),
    n_epochs: h.n_epochs,
    n_checkpoints: record.checkpoints.length,
    batch_size: h.batch_size,
    learning_rate: togetherLearningRate(h.learning_rate_multiplier),
    ...(truncated ? { random_seed: job.seed } : { job_id: job.id }),
    ...(job.trained_tokens !== null ? { token_count: job.trained_tokens } : {}),
  };
}

/** Reads Together's create body and builds the OpenAI-shaped one the job runner takes. */
function openAiBody(body: Record<string, unknown>): Record<string, unknown> {
  // Together's name -> OpenAI's hyperparameter; batch_size "max" is the default, so it is left out.
  const hyperparameters: Record<string, number> = {};
  for (const [key, openAi] of [['n_epochs', 'n_epochs'], ['batch_size', 'batch_size'], ['learning_rate', 'learning_rate_multiplier']] as const) {
    const v = body[key];
    if (v === undefined || v === null || (key === 'batch_size' && v === 'max')) continue;
    if (typeof v !== 'number') throw badRequest(`${key} must be a number`, key);
    hyperparameters[openAi] = key === 'learning_rate' ? v / TOGETHER_LEARNING_RATE_UNIT : v;
  }
  return {
    model: body.model,
    training_file: body.training_file,
    ...(body.validation_file ? { validation_file: body.validation_file } : {}),
    ...(body.suffix !== undefined ? { suffix: body.suffix } : {}),
    ...(body.random_seed !== undefined && body.random_seed !== null ? { seed: body.random_seed } : {}),
    method: { type: 'supervised', supervised: { hyperparameters } },
  };
}

/** POST /files: the SDK's first step. Answers 302 with where to PUT the bytes and the file's id. */
async function announceUpload({ req, res, state }: RouteRequest): Promise<void> {
  const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'));
  const filename = form.get('file_name');
  const purpose = form.get('purpose') ?? 'fine-tune';
  if (!filename) throw badRequest('file_name is required', 'file_name');
  const token = newId('upload-');
  const fileId = newId('file-');
  state.pendingUploads.set(token, { fileId, filename: filename.split(/[\\/]/).at(-1)!, purpose });
  const host = req.headers.host ?? '127.0.0.1';
  res.writeHead(302, { location: `http://${host}${TOGETHER_PREFIX}/uploads/${token}`, 'x-together-file-id': fileId, 'content-length': 0 });
  res.end();
}

/** PUT /uploads/{token}: the SDK's second step, the file's bytes. */
async function receiveUpload({ req, res, params, state }: RouteRequest): Promise<void> {
  const pending = state.pendingUploads.get(params[0]!);
  if (!pending) throw new ApiError(404, `no upload ${params[0]} is waiting for its bytes`);
  const bytes = await readBody(req, state.maxUploadBytes);
  state.pendingUploads.delete(params[0]!);
  state.files.create(bytes, pending.filename, pending.purpose, pending.fileId);
  sendJson(res, 200, {});
}

/** POST /files/upload: the documented multipart upload (file, file_name, purpose). */
async function multipartUpload({ req, res, state }: RouteRequest): Promise<void> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) throw badRequest('POST /files/upload expects multipart/form-data with "file", "file_name" and "purpose"');
  const form = await new Response(await readBody(req, state.maxUploadBytes), { headers: { 'content-type': contentType } }).formData().catch((error: unknown) => {
    throw badRequest(`could not parse the multipart body (${(error as Error).message})`);
  });
  const file = form.get('file');
  if (file === null || typeof file === 'string') throw badRequest('file is required and must be a file part', 'file');
  const name = form.get('file_name');
  const purpose = form.get('purpose');
  const created = state.files.create(new Uint8Array(await file.arrayBuffer()), typeof name === 'string' && name ? name : file.name || 'upload.jsonl', typeof purpose === 'string' ? purpose : 'fine-tune');
  sendJson(res, 200, togetherFile(created));
}

/** GET /files/{id}/content: the file's bytes, typed text/plain as Together's document declares (OpenAI's API says octet-stream). */
function downloadFile({ res, params, state }: RouteRequest): void {
  const bytes = state.files.read(params[0]!);
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': bytes.length });
  res.end(bytes);
}

async function createFineTune({ req, res, state }: RouteRequest): Promise<void> {
  const job = state.runner.create(openAiBody(await readJsonBody(req, state.maxJsonBytes)), TOGETHER_BASE_MODELS);
  sendJson(res, 200, togetherJob(state.jobs.get(job.id)));
}

/** A job's events, oldest first, in Together's shape. */
function listEvents({ res, params, state }: RouteRequest): void {
  const record = state.jobs.get(params[0]!);
  const data = state.events.listNewestFirst(record.job.id).reverse().map((e) => {
    const step = typeof e.data.step === 'number' ? e.data.step : 0;
    return {
      object: 'fine-tune-event',
      created_at: iso(e.created_at),
      level: e.level === 'warn' ? 'warning' : e.level,
      message: e.message,
      type: e.type === 'metrics' ? 'checkpoint_save' : /succeeded|completed/i.test(e.message) ? 'job_complete' : /cancel/i.test(e.message) ? 'job_stopped' : /fail|error/i.test(e.message) ? 'job_error' : 'job_start',
      param_count: 0,
      token_count: record.job.trained_tokens ?? 0,
      total_steps: typeof e.data.total_steps === 'number' ? e.data.total_steps : 0,
      wandb_url: '',
      step,
      checkpoint_path: '',
      model_path: record.job.status === 'succeeded' ? record.modelName : '',
      training_offset: 0,
      hash: e.id,
    };
  });
  sendJson(res, 200, { data });
}

function listCheckpoints({ res, params, state }: RouteRequest): void {
  const record = state.jobs.get(params[0]!);
  const data = record.checkpoints.map(({ checkpoint }) => ({ step: checkpoint.step_number, created_at: iso(checkpoint.created_at), path: checkpoint.fine_tuned_model_checkpoint, checkpoint_type: 'intermediate' })).reverse();
  sendJson(res, 200, { data });
}

/**
 * Together's serverless supervised fine-tuning prices in dollars per 1M tokens processed, LoRA and full, by the base
 * model's parameter count: up to 16B, 16.1B–69B, 70B–100B (larger models are priced as 70B–100B here). The rates
 * are together.ai/pricing's as the issue recorded them in December 2026; Together's pricing docs
 * (docs.together.ai/docs/fine-tuning/pricing) give the buckets and the formula, (n_epochs × training tokens +
 * n_evals × validation tokens) × rate, but not the rates.
 */
const PRICES = [
  { upToBillions: 16, lora: 0.48, full: 0.54 },
  { upToBillions: 69, lora: 1.5, full: 1.65 },
  { upToBillions: Infinity, lora: 2.9, full: 3.2 },
] as const;

/** The credit limit in dollars every estimate reports: a fixed figure, since the local server bills nobody. */
const USER_LIMIT = 1000;

/** Most evaluations a job may ask for (`n_evals`); the local trainer measures the validation loss at every step anyway. */
const MAX_EVALS = 100;

const LIMITS = HYPERPARAMETER_RANGES;

/** A model's parameter count in billions from its name ("Qwen3-8B": 8, "Qwen3-0.6B": 0.6; "A3B" is no size), or undefined. */
function parameterBillions(model: string): number | undefined {
  const sizes = [...model.matchAll(/(?<![A-Za-z\d.])(\d+(?:\.\d+)?)B(?![A-Za-z\d])/g)].map((m) => Number(m[1]));
  return sizes.length > 0 ? Math.max(...sizes) : undefined;
}

/** The price per 1M tokens for a model; a name without a size (or no model) is priced as the smallest bucket. */
function pricePerMillion(model: string | undefined, type: 'lora' | 'full'): number {
  const size = model === undefined ? undefined : parameterBillions(model);
  return PRICES.find((p) => (size ?? 0) <= p.upToBillions)![type];
}

/** An optional integer field from min to max, or its default. */
function intField(body: Record<string, unknown>, key: string, min: number, max: number, fallback: number): number {
  const value = body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw badRequest(`${key} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`, key);
  return value;
}

/** Tokens of one epoch over a file, as the trainer bills them; 404 for an unknown file, 400 for one it would refuse. */
async function fileTokens(state: RouteRequest['state'], fileId: unknown, param: string, model: string): Promise<number> {
  if (typeof fileId !== 'string' || fileId === '') throw badRequest(`${param} must be a file id`, param);
  state.files.get(fileId, param);
  readDataset(state.files, fileId, param);
  const encoder = await getEncoding(encodingNameForModel(model));
  return countBilledTokens(state.files.read(fileId).toString('utf8'), (text) => encoder.encodeOrdinary(text).length);
}

/** POST /fine-tunes/estimate-price: the training file's billed tokens times n_epochs, plus the validation file's times n_evals, at Together's rate. */
async function estimatePrice({ req, res, state }: RouteRequest): Promise<void> {
  const body = await readJsonBody(req, state.maxJsonBytes);
  const model = body.model === undefined || body.model === null ? undefined : body.model;
  if (model !== undefined && (typeof model !== 'string' || !TOGETHER_BASE_MODELS.includes(model))) {
    throw badRequest(`Model ${JSON.stringify(model)} is not available for fine-tuning on the local server's Together API. Available: ${TOGETHER_BASE_MODELS.join(', ')}.`, 'model', 'model_not_available');
  }
  const method = (body.training_method as { method?: unknown } | null | undefined)?.method;
  if (method !== undefined && method !== 'sft') throw badRequest(`training_method.method ${JSON.stringify(method)} is not supported by the local server; use "sft"`, 'training_method');
  const type = (body.training_type as { type?: unknown } | null | undefined)?.type;
  if (type !== undefined && type !== 'Lora' && type !== 'Full') throw badRequest('training_type.type must be "Lora" or "Full"', 'training_type');
  const nEpochs = intField(body, 'n_epochs', LIMITS.n_epochs[0], LIMITS.n_epochs[1], 1);
  const nEvals = intField(body, 'n_evals', 0, MAX_EVALS, 0);
  const tokenizer = model ?? TOGETHER_BASE_MODELS[0]!;
  const train = (await fileTokens(state, body.training_file, 'training_file', tokenizer)) * nEpochs;
  const validation = body.validation_file === undefined || body.validation_file === null ? 0 : await fileTokens(state, body.validation_file, 'validation_file', tokenizer);
  const evals = validation * nEvals;
  const price = ((train + evals) / 1e6) * pricePerMillion(model, type === 'Full' ? 'full' : 'lora');
  sendJson(res, 200, { estimated_total_price: price, allowed_to_proceed: price <= USER_LIMIT, user_limit: USER_LIMIT, estimated_train_token_count: train, estimated_eval_token_count: evals });
}

/** DELETE /fine-tunes/{id}: a finished job goes, with its events and model; a queued or running one must be cancelled first. */
function deleteFineTune({ res, params, state }: RouteRequest): void {
  const { job } = state.jobs.get(params[0]!);
  if (!TERMINAL.has(job.status)) {
    throw badRequest(`Job ${job.id} is ${STATUS[job.status]}; cancel it first (POST /fine-tunes/${job.id}/cancel), then delete it`, 'id', 'job_not_finished');
  }
  state.jobs.remove(job.id);
  sendJson(res, 200, { message: `Fine-tune job ${job.id} deleted` });
}

/** A step bound of the metrics filter: an integer from the JSON body, or a numeric string from the query. */
function stepBound(value: unknown, key: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest(`${key} must be an integer (got ${JSON.stringify(value)})`, key);
  return n;
}

/** A time bound of the metrics filter in ms, from an ISO-8601 timestamp. */
function timeBound(value: unknown, key: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw badRequest(`${key} must be an ISO-8601 timestamp (got ${JSON.stringify(value)})`, key);
  return ms;
}

/**
 * GET /fine-tunes/{id}/metrics: a flat record per training step, oldest first, from the job's metrics events. The
 * filters come in a JSON body, as the document has it, or in the query, as the SDK sends them (the body wins).
 */
async function listMetrics({ req, res, params, query, state }: RouteRequest): Promise<void> {
  const { job } = state.jobs.get(params[0]!);
  const filter = { ...Object.fromEntries(query), ...(await readJsonBody(req, state.maxJsonBytes)) };
  const [stepFrom, stepTo] = [stepBound(filter.global_step_from, 'global_step_from'), stepBound(filter.global_step_to, 'global_step_to')];
  const [timeFrom, timeTo] = [timeBound(filter.logged_at_from, 'logged_at_from'), timeBound(filter.logged_at_to, 'logged_at_to')];
  // The job's learning rate in Together's units (constant over a job: the trainer does not schedule it).
  const learningRate = togetherLearningRate(job.hyperparameters.learning_rate_multiplier);
  const metrics = state.events.listNewestFirst(job.id).reverse().flatMap((e) => {
    const m = e.data as unknown as StepMetrics & { total_steps?: number };
    const logged = e.created_at * 1000;
    if (e.type !== 'metrics' || (stepFrom !== undefined && m.step < stepFrom) || (stepTo !== undefined && m.step > stepTo)) return [];
    if ((timeFrom !== undefined && logged < timeFrom) || (timeTo !== undefined && logged > timeTo)) return [];
    return [{
      'train/global_step': m.step,
      'train/loss': m.train_loss,
      'train/mean_token_accuracy': m.train_mean_token_accuracy,
      'train/learning_rate': learningRate,
      ...(m.total_steps ? { 'train/epoch': (m.step * job.hyperparameters.n_epochs) / m.total_steps } : {}),
      ...(m.valid_loss !== undefined ? { 'eval/loss': m.valid_loss } : {}),
      ...(m.valid_mean_token_accuracy !== undefined ? { 'eval/mean_token_accuracy': m.valid_mean_token_accuracy } : {}),
    }];
  });
  sendJson(res, 200, { metrics });
}

/**
 * GET /fine-tunes/models/limits?model_name=: what the local server accepts for a model. The epoch, batch size and
 * learning rate bounds are the ones create enforces (in Together's units: TOGETHER_LEARNING_RATE_UNIT).
 * The local trainer trains the same classifier whatever the LoRA settings, and does no DPO (so no DPO batch size fits),
 * vision, tools or reasoning.
 */
function modelLimits({ res, query }: RouteRequest): void {
  const name = query.get('model_name');
  if (!name) throw badRequest('model_name is required', 'model_name', 'missing_required_parameter');
  // The document's 404 here is a bare {message}, not ErrorData.
  if (!TOGETHER_BASE_MODELS.includes(name)) return sendJson(res, 404, { message: `Model ${JSON.stringify(name)} is not available for fine-tuning on the local server. Available: ${TOGETHER_BASE_MODELS.join(', ')}.` });
  const batch = { max_batch_size: LIMITS.batch_size[1], max_batch_size_dpo: 0, min_batch_size: LIMITS.batch_size[0] };
  sendJson(res, 200, {
    model_name: name,
    full_training: batch,
    lora_training: { ...batch, max_rank: 64, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
    max_num_epochs: LIMITS.n_epochs[1],
    max_num_evals: MAX_EVALS,
    max_learning_rate: togetherLearningRate(LIMITS.learning_rate_multiplier[1]),
    min_learning_rate: togetherLearningRate(LIMITS.learning_rate_multiplier[0]),
    supports_vision: false,
    supports_tools: false,
    supports_reasoning: false,
    merge_output_lora: false,
  });
}

/**
 * Together's chat request in the terms answerChat reads: Together's `logprobs: k` (an integer, 0 to 20) asks for each
 * token's logprob and the k likeliest alternatives, OpenAI's `logprobs: true` (with top_logprobs) passes as it is.
 */
function openAiChat(body: Record<string, unknown>): Record<string, unknown> {
  const k = body.logprobs;
  if (k === undefined || k === null || typeof k === 'boolean') return body;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 20) throw badRequest(`logprobs must be an integer from 0 to 20 (got ${JSON.stringify(k)})`, 'logprobs');
  return { ...body, logprobs: true, top_logprobs: k };
}

/**
 * POST /chat/completions in Together's shape: ChatCompletionResponse (no refusal or fingerprint, logprobs as token
 * lists), or with `stream: true` ChatCompletionChunk events, then `[DONE]`: per choice a chunk per token (every delta
 * names its role; `logprobs` is the token's own, `top_logprobs` its alternatives), then one with the finish reason;
 * the last chunk carries the usage, the others `usage: null`.
 */
async function createChat({ req, res, state }: RouteRequest): Promise<void> {
  const { head, choices, usage, logprobs, model, g, n, stream, headers } = await answerChat(state, openAiChat(await readJsonBody(req, state.maxJsonBytes)));
  const base = { id: head.id, created: head.created, model: head.model };
  if (!stream) {
    // LogprobsPart: the tokens and their logprobs, and (TopLogprobs, one token -> logprob map) the first token's
    // alternatives, when the request asked for some.
    const alternatives = logprobs?.content[0]?.top_logprobs ?? [];
    const parts = logprobs && {
      tokens: logprobs.content.map((t) => t.token),
      token_logprobs: logprobs.content.map((t) => t.logprob),
      ...(alternatives.length > 0 ? { top_logprobs: Object.fromEntries(alternatives.map((t) => [t.token, t.logprob])) } : {}),
    };
    return sendJson(res, 200, {
      ...base, object: 'chat.completion',
      prompt: [],
      choices: choices.map((c) => ({ index: c.index, message: { role: 'assistant', content: c.message.content }, finish_reason: c.finish_reason, ...(parts ? { logprobs: parts } : {}) })),
      usage,
    }, headers);
  }
  const deltas: object[] = [];
  for (let index = 0; index < n; index++) {
    g.tokens.forEach((token, k) => {
      const lp = logprobs?.content[k];
      const top = lp && lp.top_logprobs.length > 0 ? { top_logprobs: Object.fromEntries(lp.top_logprobs.map((t) => [t.token, t.logprob])) } : {};
      deltas.push({ index, delta: { role: 'assistant', content: tokenText(model, token), token_id: token }, finish_reason: null, logprobs: lp ? lp.logprob : null, ...top });
    });
    deltas.push({ index, delta: { role: 'assistant', content: '' }, finish_reason: g.finishReason, logprobs: null });
  }
  sendEvents(res, deltas.map((choice, i) => ({ ...base, object: 'chat.completion.chunk', choices: [choice], usage: i === deltas.length - 1 ? usage : null })), headers);
}

export const togetherRoutes: Route[] = [
  { method: 'POST', pattern: /^\/files$/, handle: announceUpload },
  { method: 'PUT', pattern: /^\/uploads\/([^/]+)$/, handle: receiveUpload, presigned: true },
  { method: 'POST', pattern: /^\/files\/upload$/, handle: multipartUpload },
  { method: 'GET', pattern: /^\/files$/, handle: ({ res, state }) => sendJson(res, 200, { data: state.files.list(undefined, 'desc').filter((f) => PURPOSES.includes(f.purpose)).map(togetherFile) }) },
  { method: 'GET', pattern: /^\/files\/([^/]+)$/, handle: ({ res, params, state }) => sendJson(res, 200, togetherFile(state.files.get(params[0]!))) },
  { method: 'GET', pattern: /^\/files\/([^/]+)\/content$/, handle: downloadFile },
  { method: 'DELETE', pattern: /^\/files\/([^/]+)$/, handle: (request) => sendJson(request.res, 200, { id: deleteStoredFile(request), deleted: true }) },
  { method: 'POST', pattern: /^\/fine-tunes$/, handle: createFineTune },
  { method: 'POST', pattern: /^\/fine-tunes\/estimate-price$/, handle: estimatePrice },
  { method: 'GET', pattern: /^\/fine-tunes\/models\/supported$/, handle: ({ res }) => sendJson(res, 200, { models: [...TOGETHER_BASE_MODELS] }) },
  { method: 'GET', pattern: /^\/fine-tunes\/models\/limits$/, handle: modelLimits },
  { method: 'GET', pattern: /^\/fine-tunes$/, handle: ({ res, state }) => sendJson(res, 200, { data: state.jobs.list().map((r) => togetherJob(r)) }) },
  { method: 'GET', pattern: /^\/fine-tunes\/([^/]+)$/, handle: ({ res, params, state }) => sendJson(res, 200, togetherJob(state.jobs.get(params[0]!), false)) },
  { method: 'DELETE', pattern: /^\/fine-tunes\/([^/]+)$/, handle: deleteFineTune },
  { method: 'GET', pattern: /^\/fine-tunes\/([^/]+)\/events$/, handle: listEvents },
  { method: 'GET', pattern: /^\/fine-tunes\/([^/]+)\/metrics$/, handle: listMetrics },
  { method: 'GET', pattern: /^\/fine-tunes\/([^/]+)\/checkpoints$/, handle: listCheckpoints },
  { method: 'POST', pattern: /^\/fine-tunes\/([^/]+)\/cancel$/, handle: ({ res, params, state }) => sendJson(res, 200, togetherJob(state.jobs.get(state.runner.cancel(params[0]!).id))) },
  { method: 'POST', pattern: /^\/chat\/completions$/, handle: createChat },
  { method: 'GET', pattern: /^\/models$/, handle: ({ res, state }) => sendJson(res, 200, state.models.list().map((m) => ({ id: m.id, object: 'model', created: m.created, type: 'chat' }))) },
];
