import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFile } from './hash.ts';
import { tempDir } from '../../test/helpers/temp.ts';

describe('hashFile', () => {
  it('gives the sha256 and size of small files here and of large ones in the hashing thread, several at once', async () => {
    const dir = tempDir('hash-');
    const small = Buffer.from('{"prompt":"a","completion":" b"}\n'.repeat(1000));
    const large = Buffer.alloc(33 << 20);
    for (let i = 0; i < large.length; i += 4096) large.writeUInt32LE(i * 2654435761 >>> 0, i);
    writeFileSync(join(dir, 'small'), small);
    writeFileSync(join(dir, 'large'), large);
    const [s, l, l2] = await Promise.all([hashFile(join(dir, 'small')), hashFile(join(dir, 'large')), hashFile(join(dir, 'large'))]);
    expect(s).toEqual({ hash: createHash('sha256').update(small).digest('hex'), bytes: small.length });
    expect(l).toEqual({ hash: createHash('sha256').update(large).digest('hex'), bytes: large.length });
    expect(l2).toEqual(l);
    await expect(hashFile(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
