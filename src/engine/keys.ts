// Stage keys: sha256 of the canonical JSON of everything that decides a stage's outputs.
import { canonicalJson, sha256 } from '../store/hash.ts';

/** The parts of a stage key. Stored in the lock file (except the input *names* order), so reasons can be explained. */
export interface KeyParts {
  type: string;
  version: number;
  params: Record<string, unknown>;
  /** Input artifact name -> hash. */
  inputs: Record<string, string>;
  /** Workspace files (project-relative, '/' separated) -> hash; load and command stages. */
  deps?: Record<string, string>;
  /** Provider identity string for remote stages (`local`, `openai:<base_url>`), never a key. */
  provider?: string;
}

/** The stage key for these parts. */
export function computeKey(parts: KeyParts): string {
  return sha256(canonicalJson(parts));
}
