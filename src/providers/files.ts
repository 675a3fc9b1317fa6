// Fine-tuning files on a provider, named by content hash so they can be found again without local state.
import { createReadStream } from 'node:fs';
import type OpenAI from 'openai';
import type { FileObject } from 'openai/resources/files';

/** The remote file name of an uploaded fine-tuning file: its content hash makes it findable after state.db is lost. */
export function getRemoteFileName(hash: string): string {
  return `tunefile-${hash}.jsonl`;
}

/** True for an SDK error that means "no such object" (HTTP 404). */
export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}

/** The file if it exists and is usable (not in `error` status, same size); undefined when it is gone. */
export async function retrieveUsableFile(client: OpenAI, id: string, bytes: number, signal?: AbortSignal): Promise<FileObject | undefined> {
  try {
    const file = await client.files.retrieve(id, { signal });
    return file.status === 'error' || file.bytes !== bytes ? undefined : file;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The newest fine-tune file on the provider with this name and size, if any. */
export async function findRemoteFile(client: OpenAI, filename: string, bytes: number, signal?: AbortSignal): Promise<FileObject | undefined> {
  for await (const file of client.files.list({ purpose: 'fine-tune', limit: 1000 }, { signal })) {
    if (file.filename === filename && file.bytes === bytes && file.status !== 'error') return file;
  }
  return undefined;
}

/** Uploads a local file with purpose `fine-tune` and waits until the provider has processed it. */
export async function uploadFineTuneFile(client: OpenAI, path: string, filename: string, signal?: AbortSignal): Promise<FileObject> {
  const { toFile } = await import('openai');
  const created = await client.files.create({ file: await toFile(createReadStream(path), filename), purpose: 'fine-tune' }, { signal });
  if (created.status === 'processed') return created;
  return client.files.waitForProcessing(created.id, { pollInterval: 1000, maxWait: 30 * 60 * 1000 });
}
