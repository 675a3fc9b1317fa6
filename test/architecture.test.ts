// DESIGN §8 as a test: stages never import each other or the CLI; the local server knows nothing of pipelines;
// the engine knows stage types only through the registry.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** src-relative paths ('stages/load/run.ts') that a file imports, statically or dynamically. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, resolve(dirname(file), s)).split(sep).join('/'));
}

const files = sourceFiles(SRC).map((f) => ({ path: relative(SRC, f).split(sep).join('/'), imports: importsOf(f) }));

describe('architecture (DESIGN §8)', () => {
  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.path === 'stages/registry.ts')).toBe(true);
  });

  it('stage types never import each other or the CLI', () => {
    const problems: string[] = [];
    for (const f of files.filter((x) => /^stages\/[^/]+\//.test(x.path))) {
      const own = f.path.split('/')[1];
      for (const imp of f.imports) {
        const other = /^stages\/([^/]+)\//.exec(imp)?.[1];
        if (other && other !== own) problems.push(`${f.path} imports ${imp}`);
        if (imp.startsWith('cli/') || imp.startsWith('engine/')) problems.push(`${f.path} imports ${imp}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the local server knows nothing of pipelines', () => {
    const forbidden = /^(stages|engine|pipeline|cli|providers|prepare|report|data|store)\//;
    const problems = files
      .filter((f) => f.path.startsWith('local/'))
      .flatMap((f) => f.imports.filter((imp) => forbidden.test(imp)).map((imp) => `${f.path} imports ${imp}`));
    expect(problems).toEqual([]);
  });

  it('the engine reaches stage types only through the registry', () => {
    const problems = files
      .filter((f) => f.path.startsWith('engine/'))
      .flatMap((f) => f.imports.filter((imp) => /^stages\/[^/]+\//.test(imp)).map((imp) => `${f.path} imports ${imp}`));
    expect(problems).toEqual([]);
  });

  it('library code never exits the process', () => {
    const problems = files
      .filter((f) => f.path !== 'cli/main.ts' && /process\.exit\(/.test(readFileSync(join(SRC, f.path), 'utf8')))
      .map((f) => f.path);
    expect(problems).toEqual([]);
  });
});
