// Renders a Vega-Lite spec to a standalone SVG string in Node, with ids made stable and unique.
import type { TopLevelSpec } from 'vega-lite';

/** The two chart libraries, imported once on first use so commands that never render stay fast. */
let libraries: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;

/**
 * Compiles a Vega-Lite spec and renders it headlessly to SVG. Vega numbers clip paths and
 * gradients from a process-wide counter (`clip7`, `gradient_3`), so ids are renamed in order of
 * appearance to `<prefix>-<n>`: the same spec gives the same bytes and charts on one page never clash.
 */
export async function renderChartSvg(spec: TopLevelSpec, prefix: string): Promise<string> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]);
  const [vega, vegaLite] = await libraries;
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return renameSvgIds(await view.toSVG(), prefix);
  } finally {
    view.finalize();
  }
}

/** Renames every `id="…"` in an SVG, and its `url(#…)`/`href="#…"` references, to `<prefix>-<n>`. */
export function renameSvgIds(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (!names.has(match[1]!)) names.set(match[1]!, `${prefix}-${names.size + 1}`);
  }
  if (names.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, name: string) => {
    const renamed = names.get(name);
    return renamed === undefined ? whole : lead + renamed;
  });
}
