// js-tiktoken's own encoder, built straight from its rank files: the independent reference that tunefile's BPE
// encoder (src/tokens/bpe.ts, used by every caller through src/tokens/encoding.ts) is checked against.
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';

const built = new Map<string, Tiktoken>();

/** js-tiktoken's encoder for an encoding, built once per test file. */
export function referenceEncoding(name: 'cl100k_base' | 'o200k_base'): Tiktoken {
  let enc = built.get(name);
  if (!enc) built.set(name, (enc = new Tiktoken(name === 'o200k_base' ? o200k : cl100k)));
  return enc;
}
