// DESIGN §8 as a test: the layers of src/ (docs/architecture.md) and which way imports may point; stages never import
// each other or the CLI; the local server knows nothing of pipelines; the engine knows stage types only through the
// registry.
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

/**
 * The layers of src/, top to bottom. A folder (or top-level file, without `.ts`) may import any folder in a layer
 * below its own, never one above, nor another folder of its own layer.
 *
 *   cli
 *   index                       the typed programmatic API
 *   init  prepare               commands' own APIs
 *   engine                      plan, execute, lock file
 *   pipeline                    YAML, schema, rules, wiring, the stage graph
 *   stages                      one folder per stage type, and the registry
 *   providers  report
 *   local                       the OpenAI-compatible server (stands apart: no pipelines, see below)
 *   tokens
 *   data                        readers, writers, the record model
 *   store                       blobs, state.db, hashing
 *   shared  user-cache          low-level helpers two layers need: atomic write, PRNG, env numbers, epochs rule
 *   errors
 */
const LAYERS: string[][] = [
  ['cli'],
  ['index'],
  ['init', 'prepare'],
  ['engine'],
  ['pipeline'],
  ['stages'],
  ['providers', 'report'],
  ['local'],
  ['tokens'],
  ['data'],
  ['store'],
  ['shared', 'user-cache'],
  ['errors'],
];

/**
 * Known upward imports (importing file -> imported file), listed by file so any new upward import fails, even between
 * the same two folders. Empty since the data-stage redesign (issue 16): an entry needs a reason and an issue.
 */
const KNOWN_EXCEPTIONS: Record<string, string[]> = {};

/** The layer index of a src-relative path: its top-level folder, or its file name without `.ts`. */
function layerOf(path: string): number {
  const top = path.split('/')[0]!.replace(/\.ts$/, '');
  const index = LAYERS.findIndex((layer) => layer.includes(top));
  if (index < 0) throw new Error(`src/${path}: '${top}' is in no layer of test/architecture.test.ts; add it to LAYERS`);
  return index;
}

const files = sourceFiles(SRC).map((f) => ({ path: relative(SRC, f).split(sep).join('/'), imports: importsOf(f) }));

describe('architecture (DESIGN §8)', () => {
  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.path === 'stages/registry.ts')).toBe(true);
  });

  it('imports point down the layers', () => {
    const problems: string[] = [];
    for (const f of files) {
      const from = layerOf(f.path);
      const top = f.path.split('/')[0];
      for (const imp of f.imports) {
        if (imp.split('/')[0] === top) continue;
        if (layerOf(imp) > from) continue;
        if (KNOWN_EXCEPTIONS[f.path]?.includes(imp)) continue;
        problems.push(`${f.path} imports ${imp}: ${LAYERS[layerOf(imp)]!.join('/')} is not below ${LAYERS[from]!.join('/')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('lists no exception that no longer happens', () => {
    const stale = Object.entries(KNOWN_EXCEPTIONS).flatMap(([path, imports]) =>
      imports.filter((imp) => !files.find((f) => f.path === path)?.imports.includes(imp)).map((imp) => `${path} -> ${imp}`));
    expect(stale).toEqual([]);
  });

  it('the shared folder imports nothing of src/ but errors', () => {
    const problems = files
      .filter((f) => f.path.startsWith('shared/'))
      .flatMap((f) => f.imports.filter((imp) => !imp.startsWith('shared/') && imp !== 'errors.ts').map((imp) => `${f.path} imports ${imp}`));
    expect(problems).toEqual([]);
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

  it('tokens/ is entered through countTokens and encoding.ts', () => {
    // The modules of tokens/ that other folders may import. The counting threads (count-pool, count-worker,
    // scan-batch), the count cache (count-cache, count-table, text-digest) and the BPE (bpe, text-counter) are
    // reached only through countTokens (count-tokens.ts) and getEncoding (encoding.ts).
    const TOKENS_ENTRIES = new Set([
      'tokens/count-tokens.ts', // countTokens: JSONL files counted as billed, threads and cache hidden
      'tokens/encoding.ts', // encodings per model and their one encoder per thread
      'tokens/format.ts', // records as fine-tuning lines and inference requests
      'tokens/model-format.ts', // which fine-tuning format a model takes
      'tokens/models.ts', // per-model context limits
      'tokens/open-models.ts', // open models: their Hub repository (tokenizer) and context
      'tokens/prices.ts', // the price table
    ]);
    const problems = files
      .filter((f) => !f.path.startsWith('tokens/'))
      .flatMap((f) => f.imports.filter((imp) => imp.startsWith('tokens/') && !TOKENS_ENTRIES.has(imp)).map((imp) => `${f.path} imports ${imp}`));
    expect(problems).toEqual([]);
    expect([...TOKENS_ENTRIES].filter((entry) => !files.some((f) => f.path === entry))).toEqual([]);
  });

  it('below the CLI, the environment, the working folder and the clock come from the caller', () => {
    // A public entry point may default an injected clock to the `Date.now` function; nothing below cli/ calls it,
    // reads process.env or asks for process.cwd() itself.
    const READS = /process\.env\b|process\.cwd\(\)|Date\.now\(\)|new Date\(\)/;
    const problems = files
      .filter((f) => !f.path.startsWith('cli/'))
      .flatMap((f) => codeOf(readFileSync(join(SRC, f.path), 'utf8')).split('\n').map((line, i) => [f.path, i + 1, line] as const))
      .filter(([, , line]) => READS.test(line))
      .map(([path, line, text]) => `${path}:${line}: ${text.trim()}`);
    expect(problems).toEqual([]);
  });

  it('library code never exits the process', () => {
    const problems = files
      .filter((f) => f.path !== 'cli/main.ts' && /process\.exit\(/.test(readFileSync(join(SRC, f.path), 'utf8')))
      .map((f) => f.path);
    expect(problems).toEqual([]);
  });
});

/** Source text with its comments blanked out (line numbers kept), so that prose naming process.env is not a read. */
function codeOf(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}
