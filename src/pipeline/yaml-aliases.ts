// YAML aliases checked before the document becomes data: none undefined, none inside its own anchor, and no
// "billion laughs" (aliases of aliases that expand a small file into billions of values).
import { isAlias, isCollection, isPair, isScalar, visit } from 'yaml';
import type { Alias, Node } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import type { YamlSource } from './source.ts';

/** Values that aliases may add to a document once expanded: far above any real pipeline, far below a memory problem. */
export const MAX_ALIAS_EXPANSION = 100_000;

/**
 * Problems with the aliases (`*name`) of a parsed file, positioned at the alias. With none, the document's toJS() is
 * bounded by MAX_ALIAS_EXPANSION and has no cycle, so it can run without yaml's own alias limit (whose error names no line).
 */
export function aliasProblems(source: YamlSource): Diagnostic[] {
  const targets = new Map<Alias, Node>();
  const order: Alias[] = [];
  const anchors = new Map<string, Node>();
  const problems: Diagnostic[] = [];
  const at = (alias: Alias, message: string): Diagnostic => ({ severity: 'error', kind: 'yaml', path: [], offset: alias.range?.[0] ?? 0, message });
  visit(source.doc, (_key, node, path) => {
    if (isAlias(node)) {
      // As yaml resolves it: the last node before the alias that carries the anchor.
      const target = anchors.get(node.source);
      if (target === undefined) problems.push(at(node, `alias *${node.source} has no anchor &${node.source} before it`));
      else if (path.includes(target)) problems.push(at(node, `alias *${node.source} is inside the value of its own anchor &${node.source}: a value cannot contain itself`));
      else {
        targets.set(node, target);
        order.push(node);
      }
      return;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor !== undefined && (isScalar(node) || isCollection(node))) anchors.set(anchor, node);
  });
  if (problems.length > 0) return problems;
  const sizes = new Map<Node, number>();
  // The number of values a node stands for once every alias in it is expanded (capped: only "too many" matters).
  const sizeOf = (node: unknown): number => {
    if (isAlias(node)) return sizeOf(targets.get(node));
    if (isPair(node)) return Math.min(sizeOf(node.key) + sizeOf(node.value), MAX_ALIAS_EXPANSION + 1);
    if (!isCollection(node)) return node === null || node === undefined ? 0 : 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let size = 1;
    for (const item of node.items) size = Math.min(size + sizeOf(item), MAX_ALIAS_EXPANSION + 1);
    sizes.set(node, size);
    return size;
  };
  let expanded = 0;
  for (const alias of order) {
    expanded += sizeOf(targets.get(alias));
    if (expanded > MAX_ALIAS_EXPANSION) {
      return [at(alias, `aliases expand to more than ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')} values here (*${alias.source}): a "billion laughs" file? write the values out, or nest fewer aliases`)];
    }
  }
  return [];
}
