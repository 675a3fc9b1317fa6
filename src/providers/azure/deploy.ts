// Evaluate's Azure deployment of a fine-tuned model: a named one, or one found or created under a name derived from
// the model id, polled until it serves, and deleted after evaluate unless kept. A deployment bills by the hour while
// it exists, so one that is left running (kept, or not deleted) is always told to the user, with how to remove it.
import { setTimeout as sleep } from 'node:timers/promises';
import { TunefileError } from '../../errors.ts';
import { sha256 } from '../../store/hash.ts';
import type { DeployOptions, InferenceDeployment } from '../types.ts';
import { makeDeploymentsClient, type Deployment, type DeploymentBody, type DeploymentsClient } from './management.ts';
import { MANAGEMENT_TOKEN_ENV, type AzureDeploymentSettings, type CreateSettings } from './settings.ts';

/** Azure's limit on a deployment name's length (letters, digits, `-`, `_` and `.`). */
const MAX_NAME = 64;
const HASH_CHARS = 12;
/** How long the final DELETE may take; it runs even after Ctrl-C, so it gets its own deadline. */
const DELETE_TIMEOUT_MS = 60_000;

/** States after which a deployment will never serve; every other one (Accepted, Creating, Moving) is waited out. */
const DEAD = new Set(['Failed', 'Canceled', 'Disabled', 'Deleting']);

/**
 * The deployment name for `model`: `tf-`, the id with every run of characters Azure refuses replaced by `-`, cut to
 * fit 64 characters with 12 hex of the id's sha256 at the end, so two ids never share a name. Deterministic: a rerun,
 * or a run after a crash, finds the deployment the first one made instead of creating a second.
 */
export function getDeploymentName(model: string): string {
  const slug = model.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, MAX_NAME - 'tf-'.length - 1 - HASH_CHARS);
  return `tf-${slug}-${sha256(model).slice(0, HASH_CHARS)}`;
}

/** The two ways to remove a deployment by hand: the Azure CLI, and the REST DELETE. */
export function getRemovalCommands(s: CreateSettings, url: string, name: string): string {
  const { account, resourceGroup, subscription } = s.account;
  return `az cognitiveservices account deployment delete -g ${resourceGroup} -n ${account} --deployment-name ${name} --subscription ${subscription}`
    + ` (or: curl -X DELETE -H "Authorization: Bearer $${MANAGEMENT_TOKEN_ENV}" '${url}')`;
}

/**
 * Makes fine-tuned `model` callable on Azure for evaluate: `azure_deployment` as named (no management call), else the
 * deployment named by getDeploymentName, reused when it exists and serves `model`, created otherwise, and polled at
 * the config's intervals until it is Succeeded. When it cannot be made to serve, it is released before the error.
 * @throws TunefileError for a deployment that failed, one of that name serving another model, or a management error.
 */
export async function deployForInference(settings: AzureDeploymentSettings, model: string, o: DeployOptions): Promise<InferenceDeployment> {
  if (settings.kind === 'named') return { model: settings.name, release: async () => {} };
  const deployments = makeDeploymentsClient(settings.managementUrl, settings.account, settings.token);
  const name = getDeploymentName(model);
  const removal = getRemovalCommands(settings, deployments.url(name), name);
  const found = await deployments.get(name, o.signal);
  if (found) checkReusable(found, name, model, removal);
  const release = () => releaseDeployment(deployments, { settings, name, model, removal }, o);
  try {
    o.progress(found ? `reusing Azure deployment ${name}` : `creating Azure deployment ${name}`);
    const first = found ?? (await deployments.put(name, createBody(settings, model), o.signal));
    await waitUntilServing(deployments, name, model, first, o);
  } catch (error) {
    await release();
    throw error;
  }
  return { model: name, release };
}

/** The documented create body for a fine-tuned model: format OpenAI, the model id as name, version "1". */
function createBody(s: CreateSettings, model: string): DeploymentBody {
  return { sku: { name: s.sku, capacity: s.capacity }, properties: { model: { format: 'OpenAI', name: model, version: '1' } } };
}

/** A deployment found under the derived name is reused only when it serves `model` and can still serve. */
function checkReusable(found: Deployment, name: string, model: string, removal: string): void {
  const serves = found.properties?.model?.name;
  if (serves !== undefined && serves !== model) {
    throw new TunefileError('TUNEFILE_PROVIDER', `Azure deployment ${name} already exists and serves model ${serves}, not ${model}; tunefile leaves it alone`, {
      hint: `if it is not in use, remove it with: ${removal}; then run again`,
    });
  }
  const state = found.properties?.provisioningState ?? 'unknown';
  if (DEAD.has(state)) {
    throw new TunefileError('TUNEFILE_PROVIDER', `Azure deployment ${name} of model ${model} exists in provisioningState ${state} and cannot serve`, {
      hint: `remove it with: ${removal}; the next run creates it again`,
    });
  }
}

/** Polls with backoff until the deployment is Succeeded; a dead state fails with Azure's state name. */
async function waitUntilServing(deployments: DeploymentsClient, name: string, model: string, first: Deployment, o: DeployOptions): Promise<void> {
  let deployment: Deployment | undefined = first;
  let delay = o.poll.interval_ms;
  for (;;) {
    const state = deployment?.properties?.provisioningState;
    if (state === 'Succeeded') return;
    if (state !== undefined && DEAD.has(state)) {
      throw new TunefileError('TUNEFILE_PROVIDER', `Azure deployment ${name} of model ${model} ended in provisioningState ${state}`, {
        hint: "see the deployment's events in the Azure portal (quota, region and SKU are the usual causes; azure_deployment_sku and azure_deployment_capacity set them)",
      });
    }
    o.progress(`Azure deployment ${name}: ${deployment ? (state ?? 'provisioning') : 'not visible yet'}`);
    await sleep(delay, undefined, { signal: o.signal });
    delay = Math.min(o.poll.max_interval_ms, Math.round(delay * 1.5));
    deployment = await deployments.get(name, o.signal);
  }
}

/** Deletes the deployment unless it is kept; a kept one, or one the DELETE did not remove, becomes a notice. */
async function releaseDeployment(deployments: DeploymentsClient, d: { settings: CreateSettings; name: string; model: string; removal: string }, o: DeployOptions): Promise<void> {
  const bills = 'it bills by the hour while it exists';
  if (d.settings.keep) {
    o.notice(`Azure deployment ${d.name} (model ${d.model}) is kept (azure_keep_deployment: true); ${bills}. Remove it with: ${d.removal}`);
    return;
  }
  o.progress(`deleting Azure deployment ${d.name}`);
  try {
    await deployments.delete(d.name, AbortSignal.timeout(DELETE_TIMEOUT_MS));
  } catch (error) {
    o.notice(`could not delete Azure deployment ${d.name} (model ${d.model}): ${(error as Error).message}; ${bills}. Remove it with: ${d.removal}`);
  }
}
