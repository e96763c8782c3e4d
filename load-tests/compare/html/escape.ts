// Markup built with the `html` tag escapes every interpolated value unless it
// is already markup, so a strategy name or command line can never inject a
// tag: escaping is the default, not something each call site must remember.

/** A piece of markup that is already safe to put in the page as it is. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

function render(part: Part): string {
  if (part instanceof Html) return part.markup;
  if (Array.isArray(part)) return part.map(render).join('');
  // null, undefined and false render nothing, so `${cond && html`...`}` reads naturally.
  if (part === null || part === undefined || part === false) return '';
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...values: readonly Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

/**
 * A link target from the report: only a relative path to a file beside the
 * report. Anything with a scheme (`javascript:`, `https:`) or starting with
 * `//` is refused, so the page stays offline and cannot run script.
 */
export function relativeHref(path: string): string | null {
  if (path === '' || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//') || path.startsWith('\\')) return null;
  // encodeURI keeps `/` but turns spaces and non-ASCII into %XX; `#` and `?` are kept as in a file name.
  return encodeURI(path).replaceAll('#', '%23').replaceAll('?', '%3F');
}
