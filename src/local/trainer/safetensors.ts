// The safetensors format (Hugging Face's weights file): an 8-byte little-endian header length, a JSON header naming
// each tensor's dtype, shape and byte range, then the tensors' bytes. Written deterministically (header keys in the
// order given, padded with spaces to 8 bytes), so the same weights always give the same file.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../shared/atomic-write.ts';

/** Typed arrays safetensors files hold here, by their dtype names. */
const DTYPES = { F32: Float32Array, F64: Float64Array, I32: Int32Array, U32: Uint32Array } as const;
type DType = keyof typeof DTYPES;

/** One tensor: its values (row-major) and shape. */
export interface Tensor {
  data: Float32Array | Float64Array | Int32Array | Uint32Array;
  shape: number[];
}

interface HeaderEntry {
  dtype: DType;
  shape: number[];
  data_offsets: [number, number];
}

function dtypeOf(data: Tensor['data']): DType {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  return 'U32';
}

/** Writes `tensors` (in order) and string `metadata` to `path`, atomically. */
export function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, { data, shape }] of Object.entries(tensors)) {
    if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`tensor ${name}: shape [${shape.join(', ')}] does not hold ${data.length} values`);
    header[name] = { dtype: dtypeOf(data), shape, data_offsets: [offset, offset + data.byteLength] } satisfies HeaderEntry;
    offset += data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const head = Buffer.alloc(8 + padded, 0x20);
  head.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(head, 8);
  const parts: Uint8Array[] = [head, ...Object.values(tensors).map(({ data }) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength))];
  writeFileAtomic(path, parts);
}

/** Reads a safetensors file of F32/F64/I32/U32 tensors; throws naming the file when it is not one or is truncated. */
export function readSafetensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const bytes = readFileSync(path);
  const bad = (why: string) => new Error(`${path}: not a safetensors file of this model (${why})`);
  if (bytes.length < 8) throw bad('shorter than its header');
  const length = Number(bytes.readBigUInt64LE(0));
  if (8 + length > bytes.length) throw bad('truncated header');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw bad(`header is not JSON: ${(error as Error).message}`);
  }
  const start = 8 + length;
  const tensors: Record<string, Tensor> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [begin, end] } = value as HeaderEntry;
    const Ctor = Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined;
    if (!Ctor) throw bad(`tensor ${name} has dtype ${String(dtype)}`);
    if (start + end > bytes.length || end < begin || (end - begin) % Ctor.BYTES_PER_ELEMENT !== 0) throw bad(`tensor ${name} is truncated`);
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(start + begin, start + end));
    tensors[name] = { data: new Ctor(copy.buffer), shape };
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string> | undefined) ?? {} };
}
