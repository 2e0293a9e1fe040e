// Text from users (file names, S3 prefixes, titles) goes into Markdown tables and sits
// next to hidden HTML markers. Nothing in it may end a cell, an HTML comment or a tag,
// nor turn into a link, math, a mention or an issue reference.

// Characters that Markdown (GFM) or GitHub's renderer give a meaning anywhere in a line.
// `$` starts math; `|` ends a table cell; the rest are emphasis, code, links, images.
const MARKDOWN_PUNCTUATION = /[\\`*_[\]|~!$#]/g;
// Line breaks would end a table row; other control characters have no business here.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]+/g;

/**
 * Escapes text for inline Markdown, table cells included. `<`, `>` and `&` become
 * entities, so the result can never contain `-->`, `<!--` or a tag.
 */
export function escapeInline(text: string): string {
  return text
    .replace(CONTROL, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(MARKDOWN_PUNCTUATION, (ch) => `\\${ch}`);
}

/**
 * Escaped text inside an HTML `<code>` element: monospace like a code span, but
 * unlike one it honours the entities and escapes above, and GitHub does not turn
 * `@name` or `#123` inside it into mentions or references.
 */
export function inlineCode(text: string): string {
  return `<code>${escapeInline(text)}</code>`;
}

/** Escapes a value for a double-quoted HTML attribute. */
export function escapeAttribute(text: string): string {
  return text
    .replace(CONTROL, ' ')
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** The first `max` code points of `text`, with `…` when something was cut. */
export function clip(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}
