// EncodedRows: how the load thread hands rows over as bytes with their field offsets.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { EncodedRowsBuilder, decodeField, findFields } from './encoded-rows.ts';
import { JsonlWriter } from './jsonl.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const tmp = () => tempDir('tf-encoded-');

describe('findFields', () => {
  const fieldsOf = (record: unknown) => {
    const bytes = Buffer.from(JSON.stringify(record));
    const fields = new Int32Array(4);
    findFields(bytes, 0, bytes.length, fields, 0);
    return fields[0]! < 0 ? undefined : [decodeField(bytes, fields[0]!, fields[1]!), decodeField(bytes, fields[2]!, fields[3]!)];
  };

  it('finds the prompt and completion through escaped quotes, backslashes, control characters and non-ASCII text', () => {
    for (const [prompt, completion] of [
      ['plain', 'yes'], ['ends with a backslash \\', 'x'], ['quote \\" and "quotes"', '"'], ['\\\\\\"', '\\'],
      ['', 'é'], ['tab\tnew\nline\u0000\u001f', ' 😀'], ['lone \ud800 surrogate', '\udc00'], ['"}', '","completion":"'],
    ]) {
      expect(fieldsOf({ prompt, completion, _row: 3 })).toEqual([prompt, completion]);
    }
  });

  it('gives no fields for other shapes', () => {
    expect(fieldsOf({ completion: 'b', prompt: 'a' })).toBeUndefined();
    expect(fieldsOf({ prompt: 'a', _row: 1, completion: 'b' })).toBeUndefined();
    expect(fieldsOf({ messages: [{ role: 'user', content: 'hi' }] })).toBeUndefined();
    expect(fieldsOf({ prompt: 1, completion: 'b' })).toBeUndefined();
  });
});

describe('EncodedRowsBuilder', () => {
  it('copies a line longer than the writer buffer by encoding it again', async () => {
    const dir = tmp();
    const writer = new JsonlWriter(join(dir, 'x.jsonl'));
    const builder = new EncodedRowsBuilder();
    const record = { prompt: 'é'.repeat(100_000), completion: 'long', _row: 1 };
    const line = JSON.stringify(record);
    await writer.writeLine(line);
    expect(writer.copyLastLine(Buffer.alloc(8), 0)).toBe(-1); // written straight to the file: not in its buffer
    builder.add(record, line, writer);
    await writer.close();
    const rows = builder.take();
    expect(rows.line(0)).toBe(line);
    expect(rows.record(0)).toEqual(record);
  });
});
