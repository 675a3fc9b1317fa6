// Stored chat completions: a completion created with `store: true` is kept, and GET /chat/completions lists them
// (by model and metadata), GET/POST/DELETE /chat/completions/{id} retrieve, update the metadata of and delete one,
// and GET /chat/completions/{id}/messages lists the messages it was asked with.
import type { ChatCompletionObject, CompletionStore, StoredMessage } from '../completion-store.ts';
import { messageText } from '../dataset.ts';
import { badRequest, readJsonBody, sendJson } from '../http.ts';
import { matchesMetadata, metadataFilter, readMetadata } from '../metadata.ts';
import { paginate } from '../paginate.ts';
import type { Route, RouteRequest } from './types.ts';

/** Whether a create request asks to store its completion (OpenAI's default is not to). */
export function wantsStore(body: Record<string, unknown>): boolean {
  if (body.store !== undefined && body.store !== null && typeof body.store !== 'boolean') throw badRequest('store must be a boolean', 'store');
  readMetadata(body.metadata);
  return body.store === true;
}

/** Stores an answered completion with its request's messages and metadata. */
export function storeCompletion(completions: CompletionStore, body: Record<string, unknown>, completion: ChatCompletionObject): void {
  const messages = (body.messages as Array<{ role: string; content: unknown }>).map((m, i): StoredMessage => ({
    id: `${completion.id}-${i}`,
    role: m.role,
    content: messageText(m.content)!,
    refusal: null,
    content_parts: Array.isArray(m.content) ? m.content : null,
  }));
  completions.add({ ...completion, metadata: readMetadata(body.metadata) }, messages);
}

/** A page with `first_id` and `last_id` (null on an empty page, as OpenAI answers), in the order `order` asks. */
function page<T extends { id: string }>(oldestFirst: T[], query: URLSearchParams) {
  const order = query.get('order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw badRequest(`order must be 'asc' or 'desc' (got '${order}')`, 'order');
  return paginate(order === 'asc' ? oldestFirst : [...oldestFirst].reverse(), query, { cursors: true });
}

function listCompletions({ res, query, state }: RouteRequest): void {
  const model = query.get('model');
  const filter = metadataFilter(query);
  const found = state.completions.list().filter((c) => (model === null || c.model === model) && matchesMetadata(c.metadata, filter));
  sendJson(res, 200, page(found, query));
}

async function updateCompletion({ req, res, params, state }: RouteRequest): Promise<void> {
  const body = await readJsonBody(req, state.maxJsonBytes);
  const metadata = readMetadata(body.metadata);
  if (metadata === null) throw badRequest('metadata is required: an object of up to 16 string values', 'metadata', 'missing_required_parameter');
  sendJson(res, 200, state.completions.setMetadata(params[0]!, metadata));
}

function deleteCompletion({ res, params, state }: RouteRequest): void {
  state.completions.delete(params[0]!);
  sendJson(res, 200, { object: 'chat.completion.deleted', id: params[0]!, deleted: true });
}

export const storedCompletionRoutes: Route[] = [
  { method: 'GET', pattern: /^\/chat\/completions$/, handle: listCompletions },
  { method: 'GET', pattern: /^\/chat\/completions\/([^/]+)$/, handle: ({ res, params, state }) => sendJson(res, 200, state.completions.get(params[0]!)) },
  { method: 'POST', pattern: /^\/chat\/completions\/([^/]+)$/, handle: updateCompletion },
  { method: 'DELETE', pattern: /^\/chat\/completions\/([^/]+)$/, handle: deleteCompletion },
  { method: 'GET', pattern: /^\/chat\/completions\/([^/]+)\/messages$/, handle: ({ res, params, query, state }) => sendJson(res, 200, page(state.completions.messages(params[0]!), query)) },
];
