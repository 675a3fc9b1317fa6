// The three Azure Resource Manager calls evaluate makes on an account's deployments: get, create (PUT) and delete.
//
// Shapes from Microsoft's REST reference, "Deployments - Create Or Update" / "Get" / "Delete" (Cognitive Services
// account management, api-version 2024-10-01, learn.microsoft.com/rest/api/aiservices/accountmanagement/deployments):
//   PUT {base}/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{account}
//       /deployments/{name}?api-version=2024-10-01
//   body {sku: {name, capacity}, properties: {model: {format: "OpenAI", name, version}}} -> 200 or 201 with the
//   Deployment, whose properties.provisioningState is one of Accepted, Creating, Moving, Succeeded, Failed, Canceled,
//   Deleting, Disabled (KnownDeploymentProvisioningState of @azure/arm-cognitiveservices); GET answers 404 for none;
//   DELETE answers 200, 202 or 204. Errors are ARM's {error: {code, message}}. For a fine-tuned model the deploy
//   guide ("Deploy a fine-tuned model", Azure OpenAI how-to) sends model.name = the fine-tuned model id, version "1".
// These are plain fetch calls: three documented requests with a bearer token do not need the ARM SDK and Azure's
// credential chain (@azure/arm-cognitiveservices, @azure/identity and their @azure/core-* packages).
import { TunefileError } from '../../errors.ts';
import { redact } from '../redact.ts';
import { GET_TOKEN_COMMAND, MANAGEMENT_TOKEN_ENV, type AzureAccount } from './settings.ts';

export const MANAGEMENT_API_VERSION = '2024-10-01';

/** A deployment as the management API returns it (the fields tunefile reads). */
export interface Deployment {
  name?: string;
  sku?: { name?: string; capacity?: number };
  properties?: { provisioningState?: string; model?: { format?: string; name?: string; version?: string } };
}

/** The request body of a create. */
export interface DeploymentBody {
  sku: { name: string; capacity: number };
  properties: { model: { format: 'OpenAI'; name: string; version: string } };
}

/** Deployments of one account. Every error is a TunefileError with the API's code and message, never the token. */
export interface DeploymentsClient {
  /** The deployment's URL (with api-version), for messages and for the user's own DELETE. */
  url(name: string): string;
  get(name: string, signal?: AbortSignal): Promise<Deployment | undefined>;
  put(name: string, body: DeploymentBody, signal?: AbortSignal): Promise<Deployment>;
  delete(name: string, signal?: AbortSignal): Promise<void>;
}

/** A client for `account`'s deployments at `baseUrl` (https://management.azure.com, or a stand-in). */
export function makeDeploymentsClient(baseUrl: string, account: AzureAccount, token: string): DeploymentsClient {
  const enc = encodeURIComponent;
  const url = (name: string) =>
    `${baseUrl}/subscriptions/${enc(account.subscription)}/resourceGroups/${enc(account.resourceGroup)}/providers/Microsoft.CognitiveServices/accounts/${enc(account.account)}/deployments/${enc(name)}?api-version=${MANAGEMENT_API_VERSION}`;
  const call = async (method: string, name: string, signal: AbortSignal | undefined, body?: DeploymentBody) => {
    const response = await fetch(url(name), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    }).catch((error: unknown) => {
      if (signal?.aborted) throw error;
      throw new TunefileError('TUNEFILE_PROVIDER', `Azure management API: ${method} deployment ${name} failed: ${redact((error as Error).message, [token])}`, { cause: error });
    });
    const text = await response.text();
    return { status: response.status, json: parseJson(text), text };
  };
  const fail = (method: string, name: string, r: { status: number; json: unknown; text: string }): never => {
    const e = (r.json as { error?: { code?: string; message?: string } } | undefined)?.error;
    const what = e ? `${e.code ?? 'error'}: ${e.message ?? ''}`.trim() : r.text.slice(0, 200) || 'no body';
    throw new TunefileError('TUNEFILE_PROVIDER', redact(`Azure management API: ${method} deployment ${name} answered ${r.status} (${what})`, [token]), {
      ...(r.status === 401 || r.status === 403
        ? { hint: `the token in ${MANAGEMENT_TOKEN_ENV} is expired (they last about an hour), for another tenant, or lacks Microsoft.CognitiveServices/accounts/deployments/write on the account: export ${MANAGEMENT_TOKEN_ENV}=$(${GET_TOKEN_COMMAND}) and run again (train is cached)` }
        : {}),
    });
  };
  return {
    url,
    async get(name, signal) {
      const r = await call('GET', name, signal);
      if (r.status === 404) return undefined;
      if (r.status !== 200) return fail('GET', name, r);
      return r.json as Deployment;
    },
    async put(name, body, signal) {
      const r = await call('PUT', name, signal, body);
      if (r.status !== 200 && r.status !== 201) return fail('PUT', name, r);
      return r.json as Deployment;
    },
    async delete(name, signal) {
      const r = await call('DELETE', name, signal);
      if (![200, 202, 204, 404].includes(r.status)) fail('DELETE', name, r);
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined; // a non-JSON body (a gateway's HTML page) is reported as text
  }
}
