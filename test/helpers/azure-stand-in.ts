// Test helper: a stand-in for the two Azure parts that cannot run here, over real HTTP on loopback.
//
// 1. The management API's deployments of one Azure OpenAI account (Azure Resource Manager, api-version 2024-10-01,
//    as Microsoft's REST reference "Deployments - Create Or Update / Get / Delete" documents them): PUT with
//    {sku: {name, capacity}, properties: {model: {format: "OpenAI", name, version}}} answers 201 (200 for an existing
//    one) with provisioningState Creating; a GET answers Creating `creatingGets` times, then Succeeded (or Failed);
//    a missing deployment is 404; DELETE answers 200 (204 when there was none). Errors are ARM's {error: {code,
//    message}}; a request without the bearer token is 401. A PUT whose model the upstream server does not know is
//    refused, as Azure refuses a model the resource does not have.
// 2. The account's data plane, Azure's v1 API (`/openai/v1/...`), in front of `tunefile serve` (the model host):
//    completions and chat completions take a *deployment name* as `model`, as Azure's do, and are answered by the
//    deployment's model; a name that is not a Succeeded deployment is 404 DeploymentNotFound, which is what Azure
//    answers for a fine-tuned model's id. Everything else (files, fine-tuning jobs) passes through unchanged.
// Every management request and every inference request's model are recorded.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const AZURE_API_VERSION = '2024-10-01';

export interface StandInAccount {
  subscription: string;
  resourceGroup: string;
  account: string;
}

/** One deployment, in the resource shape the API returns. */
export interface StandInDeployment {
  id: string;
  name: string;
  type: 'Microsoft.CognitiveServices/accounts/deployments';
  sku: { name: string; capacity: number };
  properties: { provisioningState: string; model: { format: string; name: string; version: string } };
}

export interface ManagementRequest {
  method: string;
  /** The deployment name in the path. */
  deployment: string;
  apiVersion: string | null;
  /** The bearer token was the expected one. */
  authorized: boolean;
  body: unknown;
}

/** What the next provisioning and deletions do; tests change it between runs. */
export interface StandInBehaviour {
  /** GETs that still answer Creating after a PUT. @default 1 */
  creatingGets: number;
  /** How a provisioning ends. @default 'Succeeded' */
  outcome: 'Succeeded' | 'Failed';
  /** When set, DELETE answers this status with an error body and deletes nothing. */
  deleteStatus?: number;
}

export interface AzureStandIn {
  /** Management API base URL (for AZURE_MANAGEMENT_URL). */
  managementUrl: string;
  /** The data plane's base URL, Azure's v1 API: `<url>/openai/v1` (the provider's base_url). */
  inferenceUrl: string;
  management: ManagementRequest[];
  /** The `model` of each completions / chat completions request, as sent. */
  inferenceModels: string[];
  deployments: Map<string, StandInDeployment>;
  behaviour: StandInBehaviour;
  /** Adds a Succeeded deployment directly (one a user made in the portal). */
  addDeployment(name: string, model: string): void;
  close(): Promise<void>;
}

/**
 * Starts the stand-in for `account`, authorizing `token`, in front of `upstream` (a `tunefile serve` base URL ending
 * in /v1, with its API key `upstreamKey` for checking models on PUT).
 */
export async function startAzureStandIn(o: { account: StandInAccount; token: string; upstream: string; upstreamKey: string }): Promise<AzureStandIn> {
  const prefix = `/subscriptions/${o.account.subscription}/resourceGroups/${o.account.resourceGroup}/providers/Microsoft.CognitiveServices/accounts/${o.account.account}/deployments/`;
  const state: Omit<AzureStandIn, 'managementUrl' | 'inferenceUrl' | 'close'> = {
    management: [],
    inferenceModels: [],
    deployments: new Map(),
    behaviour: { creatingGets: 1, outcome: 'Succeeded' },
    addDeployment: (name, model) => void state.deployments.set(name, makeDeployment(prefix, name, { name: 'standard', capacity: 1 }, model, 'Succeeded')),
  };
  const pendingGets = new Map<string, number>();
  const upstream = new URL(o.upstream);

  const management = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const name = decodeURIComponent(url.pathname.slice(prefix.length));
    const raw = await readBody(req);
    const body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    const authorized = req.headers.authorization === `Bearer ${o.token}`;
    state.management.push({ method: req.method!, deployment: name, apiVersion: url.searchParams.get('api-version'), authorized, body });
    if (!authorized) return armError(res, 401, 'AuthenticationFailed', 'Authentication failed. The Authorization header is missing or invalid.');
    if (url.searchParams.get('api-version') !== AZURE_API_VERSION) return armError(res, 400, 'InvalidApiVersionParameter', `The api-version '${url.searchParams.get('api-version')}' is invalid.`);
    const existing = state.deployments.get(name);
    switch (req.method) {
      case 'GET': {
        if (!existing) return armError(res, 404, 'DeploymentNotFound', `Deployment '${name}' not found.`);
        const left = pendingGets.get(name);
        if (left !== undefined) {
          if (left > 0) pendingGets.set(name, left - 1);
          else {
            pendingGets.delete(name);
            existing.properties.provisioningState = state.behaviour.outcome;
          }
        }
        return sendJson(res, 200, existing);
      }
      case 'PUT': {
        const problem = checkCreateBody(body) ?? (await checkModel(body.properties.model.name));
        if (problem) return armError(res, 400, problem.code, problem.message);
        const deployment = makeDeployment(prefix, name, body.sku, body.properties.model.name, existing?.properties.provisioningState ?? 'Creating');
        state.deployments.set(name, deployment);
        if (!existing) pendingGets.set(name, state.behaviour.creatingGets);
        return sendJson(res, existing ? 200 : 201, deployment);
      }
      case 'DELETE': {
        if (state.behaviour.deleteStatus) return armError(res, state.behaviour.deleteStatus, 'InternalServerError', 'The deployment could not be deleted at this time.');
        state.deployments.delete(name);
        pendingGets.delete(name);
        res.writeHead(existing ? 200 : 204).end();
        return;
      }
      default:
        return armError(res, 405, 'MethodNotAllowed', `${req.method} is not supported here.`);
    }
  };

  /** Does the upstream server (the model host) know `model`? */
  const checkModel = async (model: string) => {
    const r = await fetch(`${o.upstream}/models/${encodeURIComponent(model)}`, { headers: { authorization: `Bearer ${o.upstreamKey}` } });
    await r.body?.cancel();
    return r.ok ? undefined : { code: 'DeploymentModelNotSupported', message: `The model '${model}' is not available on this resource.` };
  };

  const inference = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const raw = await readBody(req);
    const body = JSON.parse(raw.toString('utf8')) as { model: string };
    state.inferenceModels.push(body.model);
    const deployment = state.deployments.get(body.model);
    if (!deployment || deployment.properties.provisioningState !== 'Succeeded') {
      return sendJson(res, 404, { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.' } });
    }
    forward(req, res, upstream, path, Buffer.from(JSON.stringify({ ...body, model: deployment.properties.model.name })));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://stand-in');
    const handle = async () => {
      if (url.pathname.startsWith(prefix)) return management(req, res, url);
      if (url.pathname.startsWith('/openai/v1/')) {
        const path = upstream.pathname + url.pathname.slice('/openai/v1'.length) + url.search;
        if (req.method === 'POST' && /^\/openai\/v1\/(chat\/)?completions$/.test(url.pathname)) return inference(req, res, path);
        return forward(req, res, upstream, path);
      }
      return armError(res, 404, 'NotFound', `no route for ${url.pathname}`);
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) armError(res, 500, 'StandInError', String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...state,
    managementUrl: base,
    inferenceUrl: `${base}/openai/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function makeDeployment(prefix: string, name: string, sku: { name: string; capacity: number }, model: string, provisioningState: string): StandInDeployment {
  return { id: prefix + name, name, type: 'Microsoft.CognitiveServices/accounts/deployments', sku, properties: { provisioningState, model: { format: 'OpenAI', name: model, version: '1' } } };
}

/** The documented create body, or what is wrong with it. */
function checkCreateBody(body: any): { code: string; message: string } | undefined {
  const bad = (message: string) => ({ code: 'InvalidRequestContent', message });
  if (typeof body?.sku?.name !== 'string' || !Number.isInteger(body.sku.capacity) || body.sku.capacity < 1) return bad('sku.name and an integer sku.capacity >= 1 are required');
  const model = body?.properties?.model;
  if (model?.format !== 'OpenAI' || typeof model.name !== 'string' || typeof model.version !== 'string') return bad('properties.model needs format "OpenAI", name and version');
  return undefined;
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL, path: string, body?: Buffer): void {
  const headers = { ...req.headers, host: upstream.host, ...(body ? { 'content-length': String(body.length) } : {}) };
  const up = httpRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path, headers }, (answer) => {
    res.writeHead(answer.statusCode!, answer.headers);
    answer.pipe(res);
  });
  up.on('error', (error) => {
    if (!res.headersSent) armError(res, 502, 'BadGateway', String(error));
  });
  if (body) up.end(body);
  else req.pipe(up);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function armError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}
