// Smoke test of the benchmark harness at a small N: it runs every section it can and produces a table.
// --no-build: npm test has built dist/ just before vitest starts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/temp.ts';

const cache = tempDir('tunefile-bench-smoke-');
process.env.TUNEFILE_BENCH_CACHE = cache;

describe('npm run bench (smoke, 20,000 rows)', () => {
  it('generates the same rows twice, with ~15% repeats and the 77 intents', async () => {
    const { generateRows } = await import('../bench/generate.ts');
    const a = join(cache, 'a.jsonl');
    const b = join(cache, 'b.jsonl');
    await generateRows(5000, a);
    await generateRows(5000, b);
    const text = readFileSync(a, 'utf8');
    expect(readFileSync(b, 'utf8')).toBe(text);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(5000);
    const repeats = lines.length - new Set(lines).size;
    expect(repeats / lines.length).toBeGreaterThan(0.1);
    expect(repeats / lines.length).toBeLessThan(0.2);
    const labels = new Set(lines.map((l) => (JSON.parse(l) as { completion: string }).completion));
    expect(labels.size).toBe(77);
  });

  it('runs the pipeline, scaling, tokencheck and trainer sections and writes a table', async () => {
    const { runBench } = await import('../bench/run.ts');
    const { writeBenchmarksFile } = await import('../bench/report.ts');
    const log: string[] = [];
    const { results, text, markdown } = await runBench(
      ['--rows', '20000', '--scale-rows', '5000', '--repeat', '1', '--train-examples', '3000', '--predictions', '200', '--only', 'pipeline,scaling,tokencheck,trainer', '--no-build'],
      (line) => log.push(line),
    );
    const p = results.pipeline!;
    expect(p.rows).toBe(20000);
    expect(p.cold.wall_s).toBeGreaterThan(p.noop.wall_s);
    expect(p.cold.rss_mb).toBeGreaterThan(10);
    if (p.pandasMissing) expect(results.notes.join('\n')).toContain('pandas');
    else expect(p.pandas!.wall_s).toBeGreaterThan(0);
    expect(results.scaling!.small.rows).toBe(5000);
    expect(results.tokencheck!.tokens).toBeGreaterThan(20000);
    expect(results.tokencheck!.cachedTexts).toBeGreaterThan(10000);
    expect(results.throughput!.classes).toBe(77);
    expect(results.throughput!.predictions).toBe(200);
    for (const what of ['tunefile run (cold)', 'no-op `tunefile run`', '`tunefile status`', 'tokencheck, 2 threads, cold', 'warm cache', 'local trainer', 'evaluate against']) {
      expect(text).toContain(what);
      expect(markdown).toContain(what);
    }
    expect(markdown).toMatch(/^\| what \| target \|/);
    expect(markdown).toContain('Machine: ');
    const file = join(cache, 'BENCHMARKS.md');
    writeFileSync(file, '# Benchmarks\n\nhand-written history\n');
    writeBenchmarksFile(file, markdown);
    writeBenchmarksFile(file, markdown);
    const written = readFileSync(file, 'utf8');
    expect(written).toContain('hand-written history');
    expect(written.split('bench:begin').length).toBe(2);
    expect(existsSync(join(cache, 'project-20000', '.tunefile'))).toBe(true);
  }, 120_000);

  it('runs the ratelimit section (evaluate under an emulated RPM, then TPM limit) and reports both rows', async () => {
    const { runBench } = await import('../bench/run.ts');
    const { results, markdown } = await runBench(['--only', 'ratelimit', '--limit-seconds', '2', '--repeat', '1', '--no-build'], () => {});
    const { rpm, tpm } = results.rateLimit!;
    expect([rpm.limit, rpm.per_minute, rpm.batch_size, rpm.rounds]).toEqual(['requests', 600, 1, 1]);
    expect([tpm.limit, tpm.per_minute, tpm.batch_size]).toEqual(['tokens', 40000, 20]);
    // Every prediction answered once (one prompt per request), plus any 429s.
    expect(rpm.responses - rpm.count_429).toBe(rpm.predictions);
    for (const c of [rpm, tpm]) expect(c.ratio).toBeGreaterThan(0);
    expect(markdown).toContain('evaluate under an emulated 600 RPM limit');
    expect(markdown).toContain('evaluate under an emulated 40,000 TPM limit');
  }, 120_000);
});
