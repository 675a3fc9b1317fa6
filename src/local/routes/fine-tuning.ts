// /v1/fine_tuning/jobs: create, list (with the metadata filter), retrieve, events, checkpoints, cancel.
import { readJsonBody, sendJson } from '../http.ts';
import type { JobRecord } from '../job-store.ts';
import { paginate } from '../paginate.ts';
import type { Route, RouteRequest } from './types.ts';

/** `metadata[k]=v` query pairs as a filter. */
function metadataFilter(query: URLSearchParams): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of query) {
    const m = /^metadata\[(.+)\]$/.exec(key);
    if (m) out.push([m[1]!, value]);
  }
  return out;
}

function matches(record: JobRecord, filter: Array<[string, string]>): boolean {
  return filter.every(([k, v]) => record.job.metadata?.[k] === v);
}

async function createJob({ req, res, state }: RouteRequest): Promise<void> {
  const body = await readJsonBody(req, state.maxJsonBytes);
  sendJson(res, 200, state.runner.create(body));
}

function listJobs({ res, query, state }: RouteRequest): void {
  const filter = metadataFilter(query);
  const jobs = state.jobs.list().filter((r) => matches(r, filter)).map((r) => r.job);
  sendJson(res, 200, paginate(jobs, query));
}

function listEvents({ res, params, query, state }: RouteRequest): void {
  const id = params[0]!;
  state.jobs.get(id);
  sendJson(res, 200, paginate(state.events.listNewestFirst(id), query, { max: 10_000 }));
}

function listCheckpoints({ res, params, query, state }: RouteRequest): void {
  const record = state.jobs.get(params[0]!);
  const newestFirst = record.checkpoints.map((c) => c.checkpoint).reverse();
  sendJson(res, 200, paginate(newestFirst, query, { cursors: true }));
}

export const fineTuningRoutes: Route[] = [
  { method: 'POST', pattern: /^\/fine_tuning\/jobs$/, handle: createJob },
  { method: 'GET', pattern: /^\/fine_tuning\/jobs$/, handle: listJobs },
  { method: 'GET', pattern: /^\/fine_tuning\/jobs\/([^/]+)$/, handle: ({ res, params, state }) => sendJson(res, 200, state.jobs.get(params[0]!).job) },
  { method: 'GET', pattern: /^\/fine_tuning\/jobs\/([^/]+)\/events$/, handle: listEvents },
  { method: 'GET', pattern: /^\/fine_tuning\/jobs\/([^/]+)\/checkpoints$/, handle: listCheckpoints },
  { method: 'POST', pattern: /^\/fine_tuning\/jobs\/([^/]+)\/cancel$/, handle: ({ res, params, state }) => sendJson(res, 200, state.runner.cancel(params[0]!)) },
];
