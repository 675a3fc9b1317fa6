// YAML parsing that keeps source positions, and lookup of a JSON path's line and column.
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';

/** A segment of a JSON path: an object key or an array index. */
export type PathSegment = string | number;

/** A parsed YAML file with what is needed to point at its lines. */
export interface YamlSource {
  /** File path as shown in messages. */
  displayFile: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/** 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/** Parses YAML text keeping positions; duplicate keys are errors (not last-wins). */
export function parseYamlSource(text: string, displayFile: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false });
  return { displayFile, text, doc, lineCounter };
}

/** The line and column of a byte offset in the source. */
export function positionAt(source: YamlSource, offset: number): Position {
  const { line, col } = source.lineCounter.linePos(offset);
  return { line, col };
}

/**
 * Where a JSON path sits in the file: the value node (or its key with `at: 'key'`).
 * When the path goes deeper than the file (values added by --set or defaults), the deepest
 * existing ancestor is used. Returns the position of the document start if nothing matches.
 */
export function locatePath(source: YamlSource, path: PathSegment[], at: 'key' | 'value' = 'value'): Position {
  let node: unknown = source.doc.contents;
  let keyNode: Node | undefined;
  let offset = rangeStart(node) ?? 0;
  for (const segment of path) {
    const found = childOf(node, segment);
    if (!found) return positionAt(source, keyNode ? (rangeStart(keyNode) ?? offset) : offset);
    keyNode = found.key;
    node = found.value;
    offset = rangeStart(found.value) ?? rangeStart(found.key) ?? offset;
  }
  if (at === 'key' && keyNode) return positionAt(source, rangeStart(keyNode) ?? offset);
  return positionAt(source, offset);
}

function childOf(node: unknown, segment: PathSegment): { key?: Node; value: unknown } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(key) === String(segment)) return { key: pair.key as Node, value: pair.value ?? pair.key };
    }
    return undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment];
    return item === undefined ? undefined : { value: item };
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? range[0] : undefined;
}
