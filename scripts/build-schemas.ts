// `npm run schemas`: writes schemas/pipeline.schema.json and schemas/config.schema.json from the stage registry.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildConfigSchema, buildPipelineSchema } from '../src/pipeline/schema.ts';

/** The schema files and their content, as committed. */
export function renderSchemaFiles(): Record<string, string> {
  return {
    'schemas/pipeline.schema.json': JSON.stringify(buildPipelineSchema(), null, 2) + '\n',
    'schemas/config.schema.json': JSON.stringify(buildConfigSchema(), null, 2) + '\n',
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  for (const [path, text] of Object.entries(renderSchemaFiles())) {
    writeFileSync(root + path, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
