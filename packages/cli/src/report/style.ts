// The report's inline stylesheet and script (the page must open from disk with no network).

export const CSS = `
:root { --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --pass:#1a7f37; --fail:#cf222e; --bg2:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; }
header { padding: 18px 28px; background: #24292f; color: #fff; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header .meta { color: #c9d1d9; font-size: 13px; }
nav { padding: 8px 28px; background: var(--bg2); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
nav a { margin-right: 14px; color: #0969da; text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1500px; }
section { margin-top: 26px; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg2); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #ffebe9; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.skip { background: #9a6700; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 14px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 170px; }
.card .big { font-size: 22px; font-weight: 600; }
.verdict { font-size: 18px; font-weight: 700; }
.verdict.pass { color: var(--pass); } .verdict.fail { color: var(--fail); }
.muted { color: var(--muted); }
.bar { display: inline-block; width: 160px; height: 10px; background: #eee; border-radius: 5px; vertical-align: middle; margin-right: 6px; }
.bar i { display: block; height: 100%; background: var(--pass); border-radius: 5px; }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: 6px; background: #fff; }
details > summary { cursor: pointer; font-weight: 600; margin: 6px 0; }
svg text { font-family: ui-monospace, Menlo, monospace; }
svg .lane { font-size: 12px; font-weight: 600; }
svg .act { font-size: 11px; } svg .mark { font-size: 10px; fill: #7a4a00; }
svg .note { font-size: 10px; fill: #444; } svg .map { font-size: 10px; fill: #a15c00; }
svg .stepno { font-size: 11px; fill: #888; } svg .viol { font-size: 12px; fill: #cf222e; font-weight: 700; }
svg .edge { stroke: #aaa; stroke-width: 1; stroke-dasharray: 3 3; fill: none; }
svg .edge.covered { stroke: #1a7f37; stroke-width: 2; stroke-dasharray: none; }
svg .node { fill: #fff; stroke: #555; stroke-width: 1.3; }
svg .node.init { fill: #dbe9ff; stroke: #0969da; stroke-width: 2; }
svg .node.violating { fill: #ffcccc; stroke: #cf222e; stroke-width: 2; }
.legend span { margin-right: 16px; font-size: 12px; }
body.only-failures tr.passed, body.only-failures .passed-block { display: none; }
`;

/** Toggles "only failures"; the page works without it (every section is static HTML). */
export const SCRIPT = `
document.getElementById('only-failures')?.addEventListener('change', function (e) {
  document.body.classList.toggle('only-failures', e.target.checked);
});
`;
