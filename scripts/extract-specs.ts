// Copies the parts of a vendor's published OpenAPI document that tunefile's contract tests use into
// test/fixtures/specs/: the operations under the given path prefixes, and every component schema they reach.
//
//   node scripts/extract-specs.ts ../shared/specs/openai-openapi.yaml openai /files /fine_tuning/jobs /completions /chat/completions /models
//
// The fixture keeps the document's own structure (paths, components.schemas) so that its `$ref`s resolve unchanged.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';

interface Document {
  openapi: string;
  info: { title?: string; version?: string };
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown> };
}

const [source, name, ...prefixes] = process.argv.slice(2);
if (!source || !name || prefixes.length === 0) {
  process.stderr.write('usage: node scripts/extract-specs.ts SPEC.yaml NAME PATH-PREFIX...\n');
  process.exit(2);
}
const doc = parse(readFileSync(source, 'utf8'), { maxAliasCount: -1 }) as Document;
const under = (path: string) => prefixes.some((p) => path === p || path.startsWith(`${p}/`));
const paths = Object.fromEntries(Object.entries(doc.paths).filter(([path]) => under(path)));

/** Every component schema reachable from `value` through `$ref`s. */
const schemas: Record<string, unknown> = {};
function reach(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(reach);
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if (key === '$ref' && typeof child === 'string') {
      const m = /^#\/components\/schemas\/(.+)$/.exec(child);
      if (m && !(m[1]! in schemas)) {
        schemas[m[1]!] = doc.components.schemas[m[1]!];
        reach(schemas[m[1]!]);
      }
    } else if (!key.startsWith('x-')) reach(child);
  }
}
reach(paths);
// The error shape, for answers an operation does not declare: OpenAI's ErrorResponse, Together's ErrorData.
reach(['ErrorResponse', 'ErrorData'].filter((n) => n in doc.components.schemas).map((n) => ({ $ref: `#/components/schemas/${n}` })));

const out = join(import.meta.dirname, '..', 'test', 'fixtures', 'specs');
mkdirSync(out, { recursive: true });
const fixture = {
  'x-tunefile-source': `${basename(source)} (${doc.info.title ?? ''} ${doc.info.version ?? ''}), paths under ${prefixes.join(', ')}; licence: ${name}.LICENSE`,
  openapi: doc.openapi,
  info: doc.info,
  paths,
  components: { schemas },
};
writeFileSync(join(out, `${name}.json`), JSON.stringify(fixture, null, 1) + '\n');
copyFileSync(join(dirname(source), basename(source).replace(/\.ya?ml$/, '.LICENSE')), join(out, `${name}.LICENSE`));
process.stdout.write(`${name}.json: ${Object.keys(paths).length} paths, ${Object.keys(schemas).length} schemas\n`);
