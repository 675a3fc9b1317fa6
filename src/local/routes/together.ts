// Together AI's fine-tuning API, served under /together/v1 beside OpenAI's /v1 (their paths collide): files (the
// SDK's two-step upload and the documented multipart /files/upload), fine-tunes with their events, checkpoints and
// cancel, and chat completions and models for the result. The jobs are the same jobs as OpenAI's, on the same
// trainer; these handlers only translate shapes.
import { ApiError, badRequest, readBody, readJsonBody, sendJson } from '../http.ts';
import { newId } from '../ids.ts';
import type { FileObject } from '../file-store.ts';
import type { JobRecord, JobStatus } from '../job-store.ts';
import { TOGETHER_BASE_MODELS } from '../model-names.ts';
import { deleteStoredFile, downloadFile } from './files.ts';
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
    learning_rate: h.learning_rate_multiplier,
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
    hyperparameters[openAi] = v;
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

/** POST /chat/completions in Together's shape (ChatCompletionResponse): no refusal or fingerprint, logprobs as token lists. */
async function createChat({ req, res, state }: RouteRequest): Promise<void> {
  const body = await readJsonBody(req, state.maxJsonBytes);
  if (body.stream === true) throw badRequest('stream is not supported on the local server\'s Together API yet; send stream: false', 'stream');
  const { head, choices, usage, logprobs } = await answerChat(state, body);
  const parts = logprobs && { tokens: logprobs.content.map((t) => t.token), token_logprobs: logprobs.content.map((t) => t.logprob) };
  sendJson(res, 200, {
    id: head.id, object: 'chat.completion', created: head.created, model: head.model,
    prompt: [],
    choices: choices.map((c) => ({ index: c.index, message: { role: 'assistant', content: c.message.content }, finish_reason: c.finish_reason, ...(parts ? { logprobs: parts } : {}) })),
    usage,
  });
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
  { method: 'GET', pattern: /^\/fine-tunes$/, handle: ({ res, state }) => sendJson(res, 200, { data: state.jobs.list().map((r) => togetherJob(r)) }) },
  { method: 'GET', pattern: /^\/fine-tunes\/([^/]+)$/, handle: ({ res, params, state }) => sendJson(res, 200, togetherJob(state.jobs.get(params[0]!), false)) },
  { method: 'GET', pattern: /^\/fine-tunes\/([^/]+)\/events$/, handle: listEvents },
  { method: 'GET', pattern: /^\/fine-tunes\/([^/]+)\/checkpoints$/, handle: listCheckpoints },
  { method: 'POST', pattern: /^\/fine-tunes\/([^/]+)\/cancel$/, handle: ({ res, params, state }) => sendJson(res, 200, togetherJob(state.jobs.get(state.runner.cancel(params[0]!).id))) },
  { method: 'POST', pattern: /^\/chat\/completions$/, handle: createChat },
  { method: 'GET', pattern: /^\/models$/, handle: ({ res, state }) => sendJson(res, 200, state.models.list().map((m) => ({ id: m.id, object: 'model', created: m.created, type: 'chat' }))) },
];
