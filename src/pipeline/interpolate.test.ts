import { describe, expect, it } from 'vitest';
import type { Diagnostic } from './diagnostics.ts';
import { interpolate } from './interpolate.ts';

const scope = { params: { seed: 42, ratio: 0.2, on: true, nested: { lr: 0.1 }, list: [1, 2] }, env: { USER: 'ada', EMPTY: '' } };

function run(value: unknown) {
  const diagnostics: Diagnostic[] = [];
  const origins: { path: (string | number)[]; ref: string }[] = [];
  const out = interpolate(value, ['w'], { ...scope, origins }, diagnostics);
  return { out, messages: diagnostics.map((d) => `${d.path.join('.')}: ${d.message}`), origins };
}

describe('interpolate', () => {
  it('keeps the type of a whole-value reference', () => {
    expect(run('${params.seed}').out).toBe(42);
    expect(run('${params.on}').out).toBe(true);
    expect(run('${ params.ratio }').out).toBe(0.2);
    expect(run('${params.nested}').out).toEqual({ lr: 0.1 });
    expect(run('${params.nested.lr}').out).toBe(0.1);
    expect(run('${env.EMPTY}').out).toBe('');
  });
  it('embeds references in longer strings, anywhere in nested values', () => {
    expect(run({ a: ['seed-${params.seed}', { b: '${env.USER}/${params.list}' }], n: 3 }).out).toEqual({
      a: ['seed-42', { b: 'ada/[1,2]' }],
      n: 3,
    });
  });
  it('records where whole-value references were replaced', () => {
    expect(run({ s: '${params.seed}', t: 'x${params.seed}' }).origins).toEqual([{ path: ['w', 's'], ref: '${params.seed}' }]);
  });
  it('keeps $${...} as a literal ${...}', () => {
    expect(run('cost $${params.seed} and ${params.seed}').out).toBe('cost ${params.seed} and 42');
  });
  it('reports unknown params (with a suggestion), unset env vars and bad references at the value', () => {
    const { messages } = run({ a: '${params.sed}', b: ['${env.NOPE}'], c: '${nested.lr}', d: '${params.nested.rl}' });
    expect(messages).toEqual([
      "w.a: unknown parameter 'sed' in ${params.sed}: params has seed, ratio, on, nested, list; did you mean 'seed'?",
      "w.b.0: environment variable 'NOPE' is not set (referenced as ${env.NOPE})",
      'w.c: cannot resolve ${nested.lr}: use ${params.NAME} or ${env.NAME} (write $${...} for a literal ${...})',
      "w.d: unknown parameter 'nested.rl' in ${params.nested.rl}: params.nested has lr; did you mean 'lr'?",
    ]);
  });
  it('does not share objects between the params and the result', () => {
    const out = run('${params.nested}').out as Record<string, unknown>;
    out.lr = 9;
    expect(scope.params.nested.lr).toBe(0.1);
  });
});
