// Redaction of secrets from text that leaves tunefile: API keys, `sk-…` tokens and user:password@ in URLs.

/** What a redacted secret is replaced with. */
export const REDACTED = '[redacted]';

/** Values shorter than this are never redacted by value: replacing "k" or "test" everywhere would garble messages. */
const MIN_SECRET_LENGTH = 8;

/** Environment variable names that hold credentials by convention (OPENAI_API_KEY, HF_TOKEN, ...). */
const SECRET_NAME = /(?:API_?KEY|_KEY|TOKEN|SECRET|PASSWORD|PASSWD)$/i;

/** An OpenAI-style key: `sk-`, `sk-proj-`, `sk-svcacct-`, ... followed by a long token. */
const SK_TOKEN = /\bsk-[A-Za-z0-9_-]{8,}/g;

/** `scheme://user:password@` or `scheme://token@`: the userinfo part of a URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"]*@/gi;

// Keys the providers read at run time, whatever variable they came from (api_key_env may name any variable).
const remembered = new Set<string>();

/** Records a secret the process uses (a provider's API key) so every later message is redacted of it. */
export function rememberSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) remembered.add(value);
}

/** Whether an environment variable's name says it holds a credential (`*_API_KEY`, `*_TOKEN`, `*_SECRET`, ...). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The values of credential-looking environment variables (`*_API_KEY`, `*_TOKEN`, `*_SECRET`, ...). */
export function secretsInEnv(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => isSecretName(name) && value !== undefined && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value!);
}

/** A URL without its userinfo: `http://user:pw@host/v1` -> `http://host/v1`; other text unchanged. */
export function stripUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, '$1');
}

/**
 * `text` with every known secret (remembered keys and `extra`) replaced by [redacted], every `sk-…` token too,
 * and the user:password@ part of URLs removed. Longer secrets are replaced first, so one that contains another
 * leaves no tail behind.
 */
export function redact(text: string, extra: Iterable<string> = []): string {
  let out = text;
  const secrets = [...new Set([...remembered, ...extra])].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return stripUrlCredentials(out.replace(SK_TOKEN, REDACTED));
}

/** A JSON-like value with `redact` applied to every string in it (for reports and events). */
export function redactDeep<T>(value: T, extra: Iterable<string> = []): T {
  const secrets = [...extra];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
