// The stage key in a job's suffix, for services whose jobs carry no metadata filter (Together, Nebius): the suffix
// is `<the user's suffix>-tf-<first 16 hex digits of the key>`, or the tag alone. The stages still verify every job
// they find this way (files by content, hyperparameters, seed), so a tag that matches by chance adopts nothing.

/** The part of the stage key that goes into a job's suffix. */
export function keyTag(key: string): string {
  return `tf-${key.slice(0, 16)}`;
}

/** The suffix to send: the user's, then the key's tag. */
export function taggedSuffix(suffix: string | null | undefined, key: string): string {
  return suffix ? `${suffix}-${keyTag(key)}` : keyTag(key);
}

/** A job's suffix without the key's tag: the user's own (null for none), and whether a tag was there. */
export function untagSuffix(suffix: string): { user: string | null; tagged: boolean } {
  const m = suffix.match(/^(?:(.*)-)?tf-[0-9a-f]{16}$/);
  return m ? { user: m[1] ?? null, tagged: true } : { user: suffix, tagged: false };
}
