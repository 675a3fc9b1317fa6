// Fine-tuning files on any provider, named by content hash so they can be found again without local state, and
// reused only once their content is checked.
import { createHash } from 'node:crypto';
import type { ProviderFiles, RemoteFile } from './types.ts';

/** The remote file name of an uploaded fine-tuning file: its content hash makes it findable after state.db is lost. */
export function getRemoteFileName(hash: string): string {
  return `tunefile-${hash}.jsonl`;
}

/** True for an SDK error that means "no such object" (HTTP 404). */
export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}

/**
 * The file if it exists and is usable (not in `error` status, same size and, when given, the same content-hash name);
 * undefined when it is gone or differs.
 */
export async function retrieveUsableFile(files: ProviderFiles, id: string, bytes: number, signal?: AbortSignal, filename?: string): Promise<RemoteFile | undefined> {
  try {
    const file = await files.retrieve(id, signal);
    return file.status === 'error' || file.bytes !== bytes || (filename !== undefined && file.filename !== filename) ? undefined : file;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * A fine-tune file on the provider with this name and size whose downloaded bytes hash to `hash`. A name and a size
 * prove nothing (anyone who can upload to the organisation can copy them), so a candidate is reused only when its
 * content is checked; on a provider that refuses to download fine-tune files (OpenAI), none is.
 */
export async function findRemoteFile(files: ProviderFiles, expected: { filename: string; bytes: number; hash: string }, signal?: AbortSignal): Promise<RemoteFile | undefined> {
  const candidates: RemoteFile[] = [];
  for await (const file of files.list(signal)) {
    if (file.filename === expected.filename && file.bytes === expected.bytes && file.status !== 'error') candidates.push(file);
  }
  for (const file of candidates) {
    if (await hasContent(files, file.id, expected.hash, signal)) return file;
  }
  return undefined;
}

/**
 * True when the provider serves file `id` and its bytes hash to `hash` (sha256 hex). False when they differ, when the
 * file is gone, or when the provider refuses the download (HTTP 400, 403 or 404); other errors are thrown.
 */
export async function hasContent(files: ProviderFiles, id: string, hash: string, signal?: AbortSignal): Promise<boolean> {
  let response: Response;
  try {
    response = await files.content(id, signal);
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (status === 400 || status === 403 || status === 404) return false;
    throw error;
  }
  const digest = createHash('sha256');
  if (response.body) for await (const chunk of response.body) digest.update(chunk);
  return digest.digest('hex') === hash;
}
