// OpenAI's metadata: up to 16 string pairs on a job or a stored chat completion, and the `metadata[k]=v` list filter.
import { ApiError, badRequest } from './http.ts';

/** A request's `metadata` checked as OpenAI checks it; null when absent. */
export function readMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('metadata must be an object of string values', 'metadata');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 16) throw badRequest('metadata may have at most 16 keys', 'metadata');
  for (const [k, v] of entries) {
    if (k.length > 64) throw badRequest(`metadata key ${JSON.stringify(k.slice(0, 20))}... is longer than 64 characters`, 'metadata');
    if (typeof v !== 'string' || v.length > 512) throw new ApiError(400, `metadata.${k} must be a string of at most 512 characters`, { param: `metadata.${k}` });
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** `metadata[k]=v` query pairs as a filter. */
export function metadataFilter(query: URLSearchParams): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of query) {
    const m = /^metadata\[(.+)\]$/.exec(key);
    if (m) out.push([m[1]!, value]);
  }
  return out;
}

/** Whether an object's metadata has every pair of the filter. */
export function matchesMetadata(metadata: Record<string, string> | null | undefined, filter: Array<[string, string]>): boolean {
  return filter.every(([k, v]) => metadata?.[k] === v);
}
