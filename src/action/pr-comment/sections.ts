// The comment body as the action stores it: a hidden marker that names the comment,
// then one block per step, each between hidden open and close markers:
//
//   <!-- deltaglider:comment key=deltaglider -->
//   <!-- deltaglider:section id=build%2Fupload -->
//   ...Markdown written by that step...
//   <!-- /deltaglider:section id=build%2Fupload -->
//
// Keys and ids are percent-encoded, so they hold no space, `>` or `-->` and a marker
// always ends where it should. Section content is escaped by the renderer and cannot
// contain a marker either.

/** One step's block: `id` is the encoded id exactly as it appears in the markers. */
export interface Section {
  id: string;
  content: string;
}

// Long keys are cut (deterministically, so a re-run still matches) to bound the
// markers' share of the body.
const MAX_ENCODED_ID = 200;

export function encodeMarkerValue(value: string): string {
  return encodeURIComponent(value).slice(0, MAX_ENCODED_ID);
}

/** The marker that identifies the comment of one `comment-key`; it opens the body. */
export function commentMarker(key: string): string {
  return `<!-- deltaglider:comment key=${encodeMarkerValue(key)} -->`;
}

function openMarker(id: string): string {
  return `<!-- deltaglider:section id=${id} -->`;
}

function closeMarker(id: string): string {
  return `<!-- /deltaglider:section id=${id} -->`;
}

/** Line endings as the API may return them after an edit in the web UI. */
export function normalizeNewlines(body: string): string {
  return body.replace(/\r\n?/g, '\n');
}

/** Whether a comment body is the one this key owns (its first line is the marker). */
export function isOwnedBody(body: string, key: string): boolean {
  return normalizeNewlines(body).trimStart().startsWith(commentMarker(key));
}

const SECTION =
  /<!-- deltaglider:section id=([^\s>]+) -->\n?([\s\S]*?)\n?<!-- \/deltaglider:section id=\1 -->/g;

/**
 * The sections of a body in order. Text outside sections is dropped (the body is
 * rebuilt from sections); a repeated id keeps its first block.
 */
export function parseSections(body: string): Section[] {
  const sections: Section[] = [];
  const seen = new Set<string>();
  for (const match of normalizeNewlines(body).matchAll(SECTION)) {
    const id = match[1] ?? '';
    if (seen.has(id)) continue;
    seen.add(id);
    sections.push({ id, content: match[2] ?? '' });
  }
  return sections;
}

/** The content of section `id` (encoded form), or undefined when the body has none. */
export function sectionContent(body: string, id: string): string | undefined {
  return parseSections(body).find((section) => section.id === id)?.content;
}

/** Replaces the section with the same id where it stands, or appends it. */
export function upsertSection(sections: readonly Section[], section: Section): Section[] {
  const index = sections.findIndex((s) => s.id === section.id);
  if (index < 0) return [...sections, section];
  return sections.map((s, i) => (i === index ? section : s));
}

export function serializeBody(key: string, sections: readonly Section[]): string {
  const blocks = sections.map((s) => `${openMarker(s.id)}\n${s.content}\n${closeMarker(s.id)}`);
  return `${[commentMarker(key), ...blocks].join('\n\n')}\n`;
}
