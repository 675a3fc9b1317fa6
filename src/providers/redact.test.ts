// Redaction of API keys, sk- tokens and URL credentials from messages.
import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactDeep, rememberSecret, secretsInEnv, stripUrlCredentials } from './redact.ts';

describe('redact', () => {
  it('replaces known key values, sk- tokens of any kind and URL userinfo', () => {
    const key = 'gw-key-0a1b2c3d4e5f';
    const text = `401 bad key ${key} (also sk-proj-AbC123_xyz-789 and sk-svcacct-QQQQQQQQQQ) at http://bob:hunter2@gw.example/v1/files`;
    expect(redact(text, [key])).toBe(`401 bad key ${REDACTED} (also ${REDACTED} and ${REDACTED}) at http://gw.example/v1/files`);
  });

  it('remembers keys a provider read, and leaves short values, prose and hashes alone', () => {
    rememberSecret('remembered-secret-value');
    rememberSecret('short');
    expect(redact('echo: remembered-secret-value')).toBe(`echo: ${REDACTED}`);
    const prose = 'task-runner: short disk-usage 3f2a9c sk-1 risk-free';
    expect(redact(prose, ['short'])).toBe(prose);
  });

  it('takes credential-looking variables from the environment, whatever the key variable is called', () => {
    const env = { OPENAI_API_KEY: 'sk-aaaaaaaaaaaa', MY_TEAM_KEY: 'team-key-12345', HF_TOKEN: 'hf_0123456789', HOME: '/home/user-long-path', SHORT_KEY: 'abc' };
    expect(secretsInEnv(env).sort()).toEqual(['hf_0123456789', 'sk-aaaaaaaaaaaa', 'team-key-12345']);
  });

  it('strips userinfo from URLs only, and every string of a document', () => {
    expect(stripUrlCredentials('openai:https://u:p@h.example:8443/v1')).toBe('openai:https://h.example:8443/v1');
    expect(stripUrlCredentials('openai:https://token@h.example/v1')).toBe('openai:https://h.example/v1');
    expect(stripUrlCredentials('https://h.example/v1/users/me@x')).toBe('https://h.example/v1/users/me@x');
    expect(redactDeep({ a: ['sk-0123456789ab'], b: { c: 'fine', n: 3 } })).toEqual({ a: [REDACTED], b: { c: 'fine', n: 3 } });
  });
});
