// One chart on the page: a <figure data-chart="NAME"> with its heading,
// caption and legend, whatever draws the picture (bars, lines, columns).
// The data-chart names are what the Chromium check looks for.
import { html, type Html } from './escape.js';

export interface LegendItem {
  /** CSS class giving the colour; the swatch and the drawing share it. */
  className: string;
  label: string;
  shape: 'bar' | 'line';
}

export interface Figure {
  /** The `data-chart` name. */
  name: string;
  heading: string;
  caption: string;
  /** Above the picture; empty when the picture carries its own (line charts). */
  legend: LegendItem[];
  body: Html;
}

export function legendList(items: LegendItem[]): Html | null {
  if (items.length === 0) return null;
  const entries = items.map(
    (item) => html`<li><span class="swatch ${item.shape === 'line' ? 'line ' : ''}${item.className}" aria-hidden="true"></span>${item.label}</li>`,
  );
  return html`<ul class="legend" aria-label="legend">${entries}</ul>`;
}

export function figureHtml(figure: Figure): Html {
  return html`<figure class="chart-figure" data-chart="${figure.name}">
<figcaption><strong>${figure.heading}</strong>${figure.caption}</figcaption>
${legendList(figure.legend)}
${figure.body}
</figure>`;
}
