// Writes a dataset converted to fine-tuning lines and returns what names it (hash, size, rows).
import { readRecords, JsonlWriter } from '../../data/jsonl.ts';
import { hashFile } from '../../store/hash.ts';
import { convertRecord, type Conversion } from '../../tokens/format.ts';

/** Converts the JSONL dataset at `input` into `output` (one fine-tuning line per record). */
export async function writeConverted(input: string, output: string, conv: Conversion, displayName: string): Promise<{ hash: string; bytes: number; rows: number }> {
  const writer = new JsonlWriter(output);
  for await (const record of readRecords(input, displayName)) await writer.write(convertRecord(record, conv));
  await writer.close();
  return { ...(await hashFile(output)), rows: writer.count };
}
