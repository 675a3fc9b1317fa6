// A small binary container for typed arrays plus a JSON header: checkpoints and model files.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../shared/atomic-write.ts';

const MAGIC = 0x4b434654; // "TFCK"

type Typed = Float32Array | Float64Array | Uint32Array | Int32Array;
const KINDS = { f32: Float32Array, f64: Float64Array, u32: Uint32Array, i32: Int32Array } as const;
type Kind = keyof typeof KINDS;

function kindOf(a: Typed): Kind {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Uint32Array) return 'u32';
  return 'i32';
}

interface Layout {
  meta: unknown;
  arrays: Array<{ name: string; kind: Kind; length: number }>;
}

/** Writes a JSON header and named typed arrays to `path`, atomically. */
export function writeTensorFile(path: string, meta: unknown, arrays: Record<string, Typed>): void {
  const layout: Layout = { meta, arrays: Object.entries(arrays).map(([name, a]) => ({ name, kind: kindOf(a), length: a.length })) };
  const header = Buffer.from(JSON.stringify(layout), 'utf8');
  const padded = Math.ceil((8 + header.length) / 8) * 8;
  const head = Buffer.alloc(padded, 0x20);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(header.length, 4);
  header.copy(head, 8);
  const parts: Uint8Array[] = [head];
  for (const a of Object.values(arrays)) parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  writeFileAtomic(path, parts);
}

/** Reads a file written by writeTensorFile; throws on a foreign or truncated file. */
export function readTensorFile<M>(path: string): { meta: M; arrays: Record<string, Typed> } {
  const bytes = readFileSync(path);
  if (bytes.length < 8 || bytes.readUInt32LE(0) !== MAGIC) throw new Error(`${path}: not a tunefile model or checkpoint file`);
  const headerLength = bytes.readUInt32LE(4);
  const layout = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Layout;
  let offset = Math.ceil((8 + headerLength) / 8) * 8;
  const arrays: Record<string, Typed> = {};
  for (const { name, kind, length } of layout.arrays) {
    const Ctor = KINDS[kind];
    const byteLength = length * Ctor.BYTES_PER_ELEMENT;
    if (offset + byteLength > bytes.length) throw new Error(`${path}: truncated (array ${name})`);
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(offset, offset + byteLength));
    arrays[name] = new Ctor(copy.buffer);
    offset += byteLength;
  }
  return { meta: layout.meta as M, arrays };
}
