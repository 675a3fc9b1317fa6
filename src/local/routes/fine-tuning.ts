// /v1/fine_tuning/jobs: create, list (with the metadata filter), retrieve, events, checkpoints, cancel, pause, resume.
import { readJsonBody, sendJson } from '../http.ts';
import { matchesMetadata, metadataFilter } from '../metadata.ts';
import { paginate } from '../paginate.ts';
import type { Route, RouteRequest } from './types.ts';

async function createJob({ req, res, state }: RouteRequest): Promise<void> {
  const body = await readJsonBody(req, state.maxJsonBytes);
  sendJson(res, 200, state.runner.create(body));
}

function listJobs({ res, query, state }: RouteRequest): void {
  const filter = metadataFilter(query);
  const jobs = state.jobs.list().filter((r) => matchesMetadata(r.job.metadata, filter)).map((r) => r.job);
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
  { method: 'POST', pattern: /^\/fine_tuning\/jobs\/([^/]+)\/pause$/, handle: ({ res, params, state }) => sendJson(res, 200, state.runner.pause(params[0]!)) },
  { method: 'POST', pattern: /^\/fine_tuning\/jobs\/([^/]+)\/resume$/, handle: ({ res, params, state }) => sendJson(res, 200, state.runner.resume(params[0]!)) },
];
