// The report page's inline stylesheet and Content-Security-Policy (no network requests at all).

/** Forbids every fetch: scripts, fonts, frames, connections; only inline styles and data: images. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Inline CSS: system fonts only, readable tables, charts that scroll instead of overflowing. */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --accent: #4c78a8; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1160px; padding: 24px 32px 48px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0 0; color: var(--muted); }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 20px; }
.card { min-width: 140px; padding: 12px 16px; border: 1px solid var(--line); border-radius: 8px; }
.card .value { font-size: 26px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; max-width: 100%; overflow-x: auto; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
td.num, th.num { text-align: right; }
td.bar { width: 160px; }
td.bar span { display: block; height: 10px; border-radius: 2px; background: var(--accent); }
code, .prompt { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
code { white-space: pre; background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
.prompt { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 640px; }
.wrong { color: var(--bad); }
.note { color: var(--muted); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;
