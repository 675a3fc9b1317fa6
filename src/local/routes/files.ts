// /v1/files: multipart upload, list, retrieve, content and delete.
import { ApiError, badRequest, readBody, sendJson } from '../http.ts';
import { TERMINAL } from '../job-store.ts';
import { paginate } from '../paginate.ts';
import type { Route, RouteRequest } from './types.ts';

const UPLOAD_PURPOSES = ['fine-tune', 'assistants', 'batch', 'user_data', 'evals', 'vision'];

async function uploadFile({ req, res, state }: RouteRequest): Promise<void> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) throw badRequest('POST /v1/files expects a multipart/form-data body with "file" and "purpose"');
  const body = await readBody(req, state.maxUploadBytes);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw badRequest(`could not parse the multipart body (${(error as Error).message})`);
  }
  const purpose = form.get('purpose');
  const file = form.get('file');
  if (typeof purpose !== 'string') throw badRequest('purpose is required', 'purpose', 'missing_required_parameter');
  if (!UPLOAD_PURPOSES.includes(purpose)) throw badRequest(`purpose must be one of ${UPLOAD_PURPOSES.join(', ')} (got ${JSON.stringify(purpose)})`, 'purpose');
  if (file === null || typeof file === 'string') throw badRequest('file is required and must be a file part', 'file', 'missing_required_parameter');
  const bytes = new Uint8Array(await file.arrayBuffer());
  sendJson(res, 200, state.files.create(bytes, file.name || 'upload', purpose));
}

function listFiles({ res, query, state }: RouteRequest): void {
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw badRequest('order must be "asc" or "desc"', 'order');
  // OpenAI lists up to 10,000 files per page by default.
  sendJson(res, 200, paginate(state.files.list(query.get('purpose') ?? undefined, order), query, { max: 10_000, fallback: 10_000, cursors: true }));
}

export function downloadFile({ res, params, state }: RouteRequest): void {
  const bytes = state.files.read(params[0]!);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
  res.end(bytes);
}

/** Deletes a file no unfinished job uses (409 while one does); both APIs answer with the id. */
export function deleteStoredFile({ params, state }: RouteRequest): string {
  const id = params[0]!;
  state.files.get(id);
  const user = state.jobs.list().find((r) => !TERMINAL.has(r.job.status) && (r.job.training_file === id || r.job.validation_file === id));
  if (user) {
    throw new ApiError(409, `File ${id} is in use by fine-tuning job ${user.job.id} (${user.job.status}); cancel the job or wait for it to finish`, { param: 'file_id', code: 'file_in_use' });
  }
  state.files.delete(id);
  return id;
}

function deleteFile(request: RouteRequest): void {
  sendJson(request.res, 200, { id: deleteStoredFile(request), object: 'file', deleted: true });
}

export const fileRoutes: Route[] = [
  { method: 'POST', pattern: /^\/files$/, handle: uploadFile },
  { method: 'GET', pattern: /^\/files$/, handle: listFiles },
  { method: 'GET', pattern: /^\/files\/([^/]+)$/, handle: ({ res, params, state }) => sendJson(res, 200, state.files.get(params[0]!)) },
  { method: 'GET', pattern: /^\/files\/([^/]+)\/content$/, handle: downloadFile },
  { method: 'DELETE', pattern: /^\/files\/([^/]+)$/, handle: deleteFile },
];
