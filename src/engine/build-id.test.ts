// The build id changes with any module's bytes, a new module, and a compile that the recorded id does not describe.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_ID_FILE, getBuildId, hashCodeTree, readBuildId } from './build-id.ts';
import { tempDir } from '../../test/helpers/temp.ts';

/** A code tree in a temp folder holding `files`. */
function tree(files: Record<string, string>): string {
  const root = tempDir('tunefile-build-id-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('hashCodeTree', () => {
  it('changes with any module, including one no list names, and not with tests or declarations', () => {
    const root = tree({ 'errors.ts': '// a\n', 'stages/load/index.ts': '// b\n', 'stages/load/run.ts': '// c\n' });
    const before = hashCodeTree(root);
    expect(hashCodeTree(root)).toBe(before);
    writeFileSync(join(root, 'stages/load/run.test.ts'), 'test\n');
    writeFileSync(join(root, 'errors.d.ts'), 'declare\n');
    writeFileSync(join(root, BUILD_ID_FILE), '{"id":"x"}\n');
    expect(hashCodeTree(root)).toBe(before);
    let previous = before;
    for (const [file, text] of [['stages/load/run.ts', '// c2\n'], ['stages/load/helper.ts', '// new import\n'], ['errors.ts', '// a2\n']] as const) {
      writeFileSync(join(root, file), text);
      const now = hashCodeTree(root);
      expect(now, file).not.toBe(previous);
      previous = now;
    }
  });
});

describe('readBuildId', () => {
  it('reads the recorded id only while it is at least as new as the compiled code', () => {
    const root = tree({ 'engine/build-id.js': '// code\n', [BUILD_ID_FILE]: '{"id":"abc"}\n' });
    const module = join(root, 'engine/build-id.js');
    utimesSync(module, new Date(1e12), new Date(1e12));
    utimesSync(join(root, BUILD_ID_FILE), new Date(1e12), new Date(1e12));
    expect(readBuildId(root, module)).toBe('abc');
    utimesSync(module, new Date(2e12), new Date(2e12)); // recompiled after the build wrote its id
    expect(readBuildId(root, module)).toBeUndefined();
    expect(readBuildId(tree({ 'engine/build-id.js': '' }), module)).toBeUndefined();
  });

  it('running from the sources, the id is a hash of the source tree (and the dependencies)', () => {
    expect(getBuildId()).toMatch(/^[0-9a-f]{64}$/);
    expect(getBuildId()).toBe(getBuildId());
  });
});
