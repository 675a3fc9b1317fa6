// safetensors files: the header HF's readers expect (u64 length, JSON, 8-byte alignment) and a round trip.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';

describe('safetensors', () => {
  it('writes the format and reads it back', () => {
    const path = join(tempDir('tunefile-st-'), 'model.safetensors');
    const weight = Float32Array.from([1, 2, 3, 4, 5, 6]);
    writeSafetensors(path, { weight: { data: weight, shape: [3, 2] }, bias: { data: Float32Array.of(0.5, -0.5), shape: [2] } }, { format: 'tunefile' });
    const bytes = readFileSync(path);
    const length = Number(bytes.readBigUInt64LE(0));
    expect(length % 8).toBe(0);
    expect(JSON.parse(bytes.subarray(8, 8 + length).toString())).toEqual({
      __metadata__: { format: 'tunefile' },
      weight: { dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] },
      bias: { dtype: 'F32', shape: [2], data_offsets: [24, 32] },
    });
    expect(bytes.length).toBe(8 + length + 32);
    const { tensors, metadata } = readSafetensors(path);
    expect(tensors.weight).toEqual({ data: weight, shape: [3, 2] });
    expect(Array.from(tensors.bias!.data)).toEqual([0.5, -0.5]);
    expect(metadata).toEqual({ format: 'tunefile' });
  });
});
