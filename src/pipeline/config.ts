// Project config via cosmiconfig (module `tunefile`), validated by the config schema, defaults applied.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, extname, join } from 'node:path';
import { TunefileError } from '../errors.ts';
import type { ResolvedConfig, UserConfig } from '../shared/config-types.ts';
import { PipelineInvalidError, reportDiagnostics } from './diagnostics.ts';
import type { Diagnostic } from './diagnostics.ts';
import { formatPath } from './json-path.ts';
import { CONFIG_FILES, displayPath } from './paths.ts';
import { parseYamlSource } from './source.ts';
import type { YamlSource } from './source.ts';
import { yamlProblems } from './yaml-problems.ts';
import { checkConfigSchema } from './validators.ts';

const DATA_EXTENSIONS = new Set(['', '.json', '.yaml', '.yml']);

/** Loads and validates the config in `projectRoot` (that folder only); defaults when there is none. */
export async function loadConfig(projectRoot: string, options: { cwd?: string } = {}): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? projectRoot;
  // No candidate file at all (the usual case without a package.json): defaults, without loading cosmiconfig, whose load is a visible part of a no-op run.
  if (!CONFIG_FILES.some((name) => existsSync(join(projectRoot, name)))) return resolveConfig({});
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('tunefile', {
    searchPlaces: CONFIG_FILES,
    searchStrategy: 'none',
    cache: false,
    loaders: { '.json': loadStrictYaml(cwd), '.yaml': loadStrictYaml(cwd), '.yml': loadStrictYaml(cwd), noExt: loadStrictYaml(cwd) },
  });
  let found;
  try {
    found = await explorer.search(projectRoot);
  } catch (error) {
    if (error instanceof TunefileError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new TunefileError('TUNEFILE_INVALID_CONFIG', `cannot load the tunefile config in ${displayPath(projectRoot, cwd)}: ${why}`, { cause: error });
  }
  if (!found || found.isEmpty) return resolveConfig({}, found?.filepath);
  const data = found.config as unknown;
  await validateConfig(data, found.filepath, cwd);
  return resolveConfig(data as UserConfig, found.filepath);
}

/** Applies defaults to a valid user config (the one normalizer). */
export function resolveConfig(user: UserConfig, filepath?: string): ResolvedConfig {
  const { provider = 'local', jobs = availableParallelism(), prices = {}, poll = {}, pipeline, max_cost_usd } = user;
  const { interval_ms = 2000, max_interval_ms = 30000 } = poll;
  return {
    ...(filepath ? { filepath } : {}),
    ...(pipeline !== undefined ? { pipeline } : {}),
    ...(max_cost_usd !== undefined ? { max_cost_usd } : {}),
    provider, jobs, prices, poll: { interval_ms, max_interval_ms },
  };
}

async function validateConfig(data: unknown, filepath: string, cwd: string): Promise<void> {
  const isPackage = basename(filepath) === 'package.json';
  const diagnostics: Diagnostic[] = checkConfigSchema(data).map((d) => (isPackage ? { ...d, path: ['tunefile', ...d.path] } : d));
  if (diagnostics.length === 0) return;
  const display = displayPath(filepath, cwd);
  if (DATA_EXTENSIONS.has(extname(filepath)) || isPackage) {
    const source = parseYamlSource(await readFile(filepath, 'utf8'), display);
    throw new PipelineInvalidError('TUNEFILE_INVALID_CONFIG', display, reportDiagnostics(source, diagnostics));
  }
  const reported = diagnostics.map((d) => ({
    severity: d.severity, file: display, line: null, col: null, path: formatPath(d.path), message: d.message,
    set: null, kind: d.kind ?? 'schema', text: `${display}: ${formatPath(d.path)}: ${d.message}`,
  }));
  throw new PipelineInvalidError('TUNEFILE_INVALID_CONFIG', display, reported);
}

/** A cosmiconfig loader for JSON/YAML configs that rejects duplicate keys and reports line:col. */
function loadStrictYaml(cwd: string) {
  return (filepath: string, content: string): unknown => {
    const source: YamlSource = parseYamlSource(content, displayPath(filepath, cwd));
    const problems = yamlProblems(source).filter((d) => d.severity === 'error');
    if (problems.length > 0) {
      throw new PipelineInvalidError('TUNEFILE_INVALID_CONFIG', source.displayFile, reportDiagnostics(source, problems));
    }
    // yamlProblems has refused aliases that expand too much, naming the line; yaml's own limit (which names none) is off.
    const data = source.doc.toJS({ maxAliasCount: -1 }) as unknown;
    return basename(filepath) === 'package.json' ? data : data ?? null;
  };
}
