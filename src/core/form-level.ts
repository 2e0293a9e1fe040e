import { DeltaGliderError } from './errors.js';
import { escapeControlChars } from './text-safety.js';
import { VERSION } from './version.js';

// The compatibility policy of docs/format.md: every object records, in `dg-reader`, the
// oldest release that can read it (`<major>.<minor>`). A reader compares it with what it
// reads before doing anything else, so a form a later release adds is refused with one
// error that names the release it needs, instead of failing halfway (a checksum error, a
// codec that misreads). Objects written before the key existed lack it: they are 1.0
// forms, read as before.

/** The key, as decodeObject reads it (`dg-reader`; other spellings as for every field). */
export const READER_KEY = 'dg-reader';

/**
 * What this release writes: the oldest release that reads every form it writes. A writer
 * that adds a form raises this to its own version for the objects of that form only.
 */
export const WRITTEN_READER = '1.0';

/** The newest `dg-reader` this release reads (its own major.minor). */
export const READS = { major: 1, minor: 0 } as const;

/** A value longer than this is not one a DeltaGlider writes; it is shown cut. */
const MAX_CHARS = 16;

/** Whether this release reads the object, and if not, which release does. */
export type Readability = { readable: true } | ({ readable: false } & NeedsRelease);

/** Why an object is not read: its `dg-reader`, and the release that reads it. */
export interface NeedsRelease {
  /** The value as recorded: cut to a few characters, control characters escaped. */
  recorded: string;
  /** `1.3`; undefined for a value this release cannot parse. */
  release?: string;
}

/**
 * Compares a `dg-reader` value (decodeObject reads it with every field's spellings) with
 * READS. A value that does not parse was written by something newer than this release
 * knows: refused too.
 */
export function readability(value: string | undefined): Readability {
  if (value === undefined) return { readable: true };
  const recorded = escapeControlChars(value.slice(0, MAX_CHARS));
  const match = /^(\d{1,6})\.(\d{1,6})$/.exec(value);
  if (!match) return { readable: false, recorded };
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const newer = major > READS.major || (major === READS.major && minor > READS.minor);
  return newer ? { readable: false, recorded, release: `${major}.${minor}` } : { readable: true };
}

/** The one error for an object this release cannot read: what it needs, and what this is. */
export function unreadableError(where: string, form: NeedsRelease): DeltaGliderError {
  const message = form.release
    ? `${where} records dg-reader ${form.release}: a form that deltaglider/action ${form.release} ` +
      `and later read, and this is ${VERSION}; nothing was read`
    : `${where} records dg-reader "${form.recorded}", which ${VERSION} cannot interpret: a newer ` +
      'release wrote it; nothing was read';
  return new DeltaGliderError(
    message,
    `Upgrade to ${form.release ?? 'the newest release'} or later`,
    { code: 'unsupported-format', fields: { ...(form.release ? { release: form.release } : {}) } },
  );
}
