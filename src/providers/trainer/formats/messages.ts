// The chat JSONL most trainers read (`{"messages": [{"role", "content"}, ...]}` per line), written byte for byte the
// same for the same examples.
import { join } from 'node:path';
import { writeFileAtomic } from '../../../shared/atomic-write.ts';
import type { ChatExample } from '../types.ts';

/** The split files every format writes into its data folder. */
export const SPLIT_FILES = { train: 'train.jsonl', valid: 'valid.jsonl' } as const;

/** One example as one JSONL line: only `messages`, each message only `role` then `content`. */
export function messagesLine(example: ChatExample): string {
  return `${JSON.stringify({ messages: example.messages.map(({ role, content }) => ({ role, content })) })}\n`;
}

/** Writes `train.jsonl` and `valid.jsonl` (see SPLIT_FILES) into `dataDir`, each atomically. */
export function writeMessagesJsonl(dataDir: string, splits: { train: ChatExample[]; valid: ChatExample[] }): void {
  for (const split of ['train', 'valid'] as const) {
    writeFileAtomic(join(dataDir, SPLIT_FILES[split]), splits[split].map(messagesLine).join(''));
  }
}
