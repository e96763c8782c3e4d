// The page's only stylesheet, inlined: no web fonts, no external files.
// Every bar and line colour is a class used both as an SVG `fill`/`stroke`
// and as a legend swatch `background`/`border-color`, so they cannot drift.
// Bar colours are at least 3:1 against white (WCAG non-text contrast); text at least 4.5:1.
export const styles = `
:root {
  color-scheme: light;
  --ink: #111827; --muted: #4b5563; --rule: #d1d5db; --panel: #f3f4f6;
  --pass: #047857; --fail: #b91c1c; --flag: #fef2f2;
  --throughput: #0f766e; --redis: #c2410c; --postgres: #1d4ed8;
  --p50: #4f86d9; --p95: #1f4fa8; --p99: #0b1f4d;
  --oversold: #b91c1c; --undersold: #b45309; --sellout: #047857;
  --ceiling: #111827; --offered: #6b7280; --window: #7e22ce; --limit: #b45309;
  --selling: #047857; --refusing: #8b95a5; --drain: #6d28d9;
  /* Spike statuses: sales green, refusals a calm grey, shedding orange, errors red, dropped hatched purple. */
  --st-confirmed: #047857; --st-pending: #4f46e5; --st-soldout: #8b95a5; --st-contended: #ea580c; --st-error: #b91c1c; --st-dropped: #7e22ce;
}
* { box-sizing: border-box; }
body {
  margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;
}
main { max-width: 1440px; margin: 0 auto; padding: 24px 16px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.88em;
  background: var(--panel); padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
a { color: #1d4ed8; }
.subtitle { color: var(--muted); margin: 0 0 16px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.summary { display: inline-block; font-weight: 600; padding: 2px 10px; border-radius: 999px; margin-left: 8px; font-size: 0.85rem; vertical-align: middle; }
.summary.pass, .badge.pass { background: #d1fae5; color: #065f46; }
.summary.fail, .badge.fail { background: #fee2e2; color: #991b1b; }
.badge.unknown { background: #e5e7eb; color: #374151; }
.checks { list-style: none; padding: 0; margin: 0; display: grid; gap: 6px; }
.checks li { padding: 8px 12px; border-radius: 6px; border-left: 4px solid; background: var(--panel); }
.checks li.pass { border-color: var(--pass); }
.checks li.fail { border-color: var(--fail); background: var(--flag); }
.checks li.unknown { border-color: #9ca3af; }
.badge { display: inline-block; min-width: 4.2em; text-align: center; font-weight: 600; font-size: 0.8rem; padding: 1px 6px; border-radius: 4px; margin-right: 8px; }
.table-wrap { overflow-x: auto; border: 1px solid var(--rule); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 0.82rem; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 7px; border-bottom: 1px solid #e5e7eb; text-align: left; white-space: nowrap; }
th { background: var(--panel); font-weight: 600; vertical-align: bottom; white-space: normal; }
th[title] { cursor: help; text-decoration: underline dotted #9ca3af; text-underline-offset: 3px; }
td.num, th.num { text-align: right; }
td .detail, td .range { color: var(--muted); font-size: 0.9em; }
.ceilings td:nth-child(5) { white-space: normal; min-width: 22em; }
tbody tr:hover td { background: #f9fafb; }
/* The strategy name stays in view while the wide table scrolls sideways. */
.strategies th:first-child, .strategies td:first-child { position: sticky; left: 0; background: #fff; border-right: 1px solid #e5e7eb; }
.strategies thead th:first-child { background: var(--panel); }
tr.flagged td { background: var(--flag); }
tr.flagged td:first-child { background: var(--flag); }
td.bad { color: var(--fail); font-weight: 700; }
.tag { display: inline-block; font-size: 0.7rem; font-weight: 600; padding: 0 6px; border-radius: 4px; margin-right: 4px; vertical-align: 1px; }
.tag.unsafe { background: var(--fail); color: #fff; }
.tag.async { background: #e0e7ff; color: #3730a3; }
.note { color: var(--muted); font-size: 0.85rem; margin: 8px 0 0; }
details { margin-top: 8px; color: var(--muted); font-size: 0.85rem; }
details dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
details dt { font-weight: 600; color: var(--ink); }
details dd { margin: 0; }
figure.chart-figure { margin: 28px 0 0; padding: 16px 16px 8px; border: 1px solid var(--rule); border-radius: 8px; }
figcaption { margin-bottom: 8px; color: var(--muted); max-width: 70em; }
figcaption strong { display: block; color: var(--ink); font-size: 1.05rem; margin-bottom: 2px; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 0; margin: 0 0 6px; font-size: 0.85rem; }
.legend li { display: inline-flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 14px; height: 12px; border-radius: 2px; }
.swatch.line { height: 0; width: 22px; border-top: 2px dashed; border-radius: 0; }
svg.chart, svg.line-chart { display: block; width: 100%; max-width: 980px; min-width: 620px; height: auto; }
/* Below 620 px the chart scrolls sideways rather than shrinking its text past reading. */
figure.chart-figure { overflow-x: auto; }
svg.chart text { font-size: 12px; fill: var(--ink); }
svg.chart text.note { font-size: 10px; fill: var(--muted); }
svg.chart text.value { font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg.chart text.muted { fill: var(--muted); }
svg.chart text.missing { font-style: italic; }
svg.chart text.tick { font-size: 11px; fill: var(--muted); }
svg.chart text.axis-label { fill: var(--muted); }
svg.chart .grid { stroke: #e5e7eb; }
svg.chart .whisker { stroke: var(--ink); stroke-width: 1.2; fill: none; }
svg.chart .baseline { stroke: #9ca3af; }
svg.chart .flag-band { fill: var(--flag); }
svg.chart .flagged text.name { fill: var(--fail); font-weight: 700; }
svg.chart .flagged text.note { fill: var(--fail); font-weight: 600; }
svg.chart .marker line { stroke-width: 1.5; stroke-dasharray: 5 3; }
/* A white halo keeps a marker label readable where another marker's line crosses it. */
svg.chart .marker text { font-size: 11px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.bar-throughput { fill: var(--throughput); background: var(--throughput); }
.bar-redis { fill: var(--redis); background: var(--redis); }
.bar-postgres { fill: var(--postgres); background: var(--postgres); }
.bar-p50 { fill: var(--p50); background: var(--p50); }
.bar-p95 { fill: var(--p95); background: var(--p95); }
.bar-p99 { fill: var(--p99); background: var(--p99); }
.bar-oversold { fill: var(--oversold); background: var(--oversold); }
.bar-oversold-baseline { fill: url(#hatch-unsafe); stroke: var(--oversold); stroke-width: 1;
  background: repeating-linear-gradient(45deg, var(--oversold) 0 3px, #fecaca 3px 6px); outline: 1px solid var(--oversold); }
.bar-undersold { fill: var(--undersold); background: var(--undersold); }
.bar-sellout { fill: var(--sellout); background: var(--sellout); }
.bar-selling { fill: var(--selling); background: var(--selling); }
.bar-refusing { fill: var(--refusing); background: var(--refusing); }
.bar-drain { fill: var(--drain); background: var(--drain); }
.cost-api { fill: #0f766e; background: #0f766e; }
.cost-worker { fill: #6d28d9; background: #6d28d9; }
.cost-postgres { fill: #1d4ed8; background: #1d4ed8; }
.cost-redis { fill: #c2410c; background: #c2410c; }
.cost-kafka { fill: #4b5563; background: #4b5563; }
.cost-etcd { fill: #a16207; background: #a16207; }
.ghost { fill: none; stroke: var(--offered); stroke-width: 1.2; stroke-dasharray: 4 3; border: 1.2px dashed var(--offered); background: transparent; }
.marker-ceiling { --c: var(--ceiling); } .marker-offered { --c: var(--offered); } .marker-window { --c: var(--window); }
.marker-redis { --c: var(--redis); } .marker-postgres { --c: var(--postgres); } .marker-limit { --c: var(--limit); }
.marker-sellout { --c: var(--ink); } .marker-drained { --c: var(--st-pending); }
svg.chart .marker line { stroke: var(--c); }
svg.chart .marker text { fill: var(--c); }
svg.chart .marker-offered line { stroke-dasharray: 2 3; }
.swatch.line { border-color: var(--c); }
.swatch.line.marker-offered { border-top-style: dotted; }
/* Spike small multiples: one panel per strategy, same scales, as many columns as fit. */
.multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 14px 18px; margin-top: 6px; }
figure.multiple { margin: 0; padding: 6px 8px 2px; border: 1px solid #e5e7eb; border-radius: 6px; min-width: 0; }
figure.multiple.flagged { background: var(--flag); border-color: #fecaca; }
figure.multiple figcaption { margin: 0 0 2px; color: var(--ink); font-size: 0.85rem; }
figure.multiple figcaption strong { display: inline; font-size: 0.95rem; margin-right: 4px; }
figure.multiple .facts-line { display: block; color: var(--muted); font-size: 0.8rem; }
svg.series { display: block; width: 100%; height: auto; }
svg.series text { font-size: 11px; fill: var(--ink); }
svg.series text.tick { fill: var(--muted); }
svg.series text.missing { fill: var(--muted); font-style: italic; font-size: 13px; }
svg.series .grid { stroke: #eef0f3; }
svg.series .baseline { stroke: #9ca3af; }
svg.series .offered { stroke: var(--offered); stroke-width: 1.2; stroke-dasharray: 2 3; }
svg.series .moment line { stroke: var(--c); stroke-width: 1.5; }
svg.series .marker-window line { stroke-dasharray: 5 3; }
svg.series .marker-drained line { stroke-dasharray: 2 2; }
svg.series .moment text { fill: var(--c); font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.st-confirmed { fill: var(--st-confirmed); background: var(--st-confirmed); }
.st-pending { fill: var(--st-pending); background: var(--st-pending); }
.st-soldout { fill: var(--st-soldout); background: var(--st-soldout); }
.st-contended { fill: var(--st-contended); background: var(--st-contended); }
.st-error { fill: var(--st-error); background: var(--st-error); }
.st-dropped { fill: url(#hatch-dropped); background: repeating-linear-gradient(45deg, var(--st-dropped) 0 2px, #f3e8ff 2px 5px); }
.swatch.line.marker-sellout { border-top-style: solid; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.8rem; }
@media print { .table-wrap { overflow: visible; } figure.chart-figure { break-inside: avoid; } }
`;
