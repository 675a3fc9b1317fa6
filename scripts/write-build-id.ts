// The last build step (`npm run build`, `prepare`, `test`): records the hash of dist/ in dist/build-id.json, the key
// of the caches that hold what the code computed (src/engine/build-id.ts). `npm pack` ships it with dist/.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_ID_FILE, hashCodeTree } from '../src/engine/build-id.ts';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
writeFileSync(join(dist, BUILD_ID_FILE), JSON.stringify({ id: hashCodeTree(dist) }) + '\n');
process.stdout.write(`wrote dist/${BUILD_ID_FILE}\n`);
