// Text read from a bucket (keys, metadata values, messages quoting them) is untrusted:
// a line break in it could start a workflow command (`::warning::`) on a line of its
// own, break out of a job summary table cell, or reach a terminal as an escape sequence.
// Both shells show such text through these functions; the core uses `hasControlChars`
// to flag metadata that no DeltaGlider writes.

// C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and the
// bidirectional overrides/isolates that can make a terminal show text in another order.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_ONE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Whether `text` holds a character `escapeControlChars` would rewrite. */
export function hasControlChars(text: string): boolean {
  return UNSAFE_ONE.test(text);
}

/** `text` on one line with its control characters shown as escapes: `\n`, `\x1b`, `\u2028`. */
export function escapeControlChars(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A line for a GitHub Actions log: control characters escaped, and a leading `::` (the
 * runner ignores leading whitespace) shown as `\x3a:` so the line cannot be a command.
 */
export function escapeLogLine(text: string): string {
  return escapeControlChars(text).replace(/^(\s*):(?=:)/, '$1\\x3a');
}

/** Text for a cell or line of HTML/Markdown (the job summary): one line, no markup. */
export function escapeHtmlCell(text: string): string {
  return escapeControlChars(text).replace(/[&<>"'|]/g, (c) => `&#${c.charCodeAt(0)};`);
}
