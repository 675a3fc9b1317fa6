import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate } from '../pipeline/interpolate.ts';
import { SALT_FILE, keyedParams, projectSalt } from './env-values.ts';
import { tempDir } from '../../test/helpers/temp.ts';

describe('values from the environment in keys', () => {
  it('interpolation records every string that took an env value, whole or inside text, with its text as written', () => {
    const envValues: { path: (string | number)[]; template: string }[] = [];
    const value = interpolate(
      { run: ['x', '--token=${env.T}', '${params.n}'], env: { A: '${env.T}', B: 'plain', C: '$${env.T}' } },
      ['stages', 's', 'with'],
      { params: { n: 3 }, env: { T: 'secret' }, envValues },
      [],
    );
    expect(value).toEqual({ run: ['x', '--token=secret', 3], env: { A: 'secret', B: 'plain', C: '${env.T}' } });
    expect(envValues).toEqual([
      { path: ['stages', 's', 'with', 'run', 1], template: '--token=${env.T}' },
      { path: ['stages', 's', 'with', 'env', 'A'], template: '${env.T}' },
    ]);
  });

  it('replaces those values by a salted digest, leaves the rest and the real params alone', () => {
    const params = { run: ['x', '--token=secret'], env: { A: 'secret', B: 'plain' } };
    const salt = Buffer.alloc(32, 1);
    const keyed = keyedParams(params, [{ path: ['run', 1], template: '--token=${env.T}' }, { path: ['env', 'A'], template: '${env.T}' }], () => salt);
    expect(keyed).toEqual({
      run: ['x', expect.stringMatching(/^hmac-sha256:[0-9a-f]{24} \(--token=\$\{env\.T\}\)$/)],
      env: { A: expect.stringMatching(/^hmac-sha256:[0-9a-f]{24} \(\$\{env\.T\}\)$/), B: 'plain' },
    });
    expect(JSON.stringify(keyed)).not.toContain('secret');
    expect(params.env.A).toBe('secret');
    const other = keyedParams(params, [{ path: ['env', 'A'], template: '${env.T}' }], () => Buffer.alloc(32, 2));
    expect(other.env).not.toEqual((keyed as typeof params).env);
    expect(keyedParams(params, undefined, () => { throw new Error('no salt needed'); })).toBe(params);
  });

  it('makes one private salt per store folder and reads it back', () => {
    const dir = tempDir('tunefile-salt-');
    const salt = projectSalt(join(dir, '.tunefile'));
    expect(salt.length).toBe(32);
    expect(readFileSync(join(dir, '.tunefile', SALT_FILE)).equals(salt)).toBe(true);
    expect(statSync(join(dir, '.tunefile', SALT_FILE)).mode & 0o777).toBe(0o600);
    expect(projectSalt(join(dir, '.tunefile')).equals(salt)).toBe(true);
  });
});
