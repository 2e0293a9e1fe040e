// The --exclude/--include filters of `sync`, as `aws s3 sync` applies them: every path
// is included to begin with, then each filter in command-line order that matches the
// path decides again, so a later filter wins over an earlier one.

export interface SyncFilter {
  kind: 'include' | 'exclude';
  /** A glob against the path relative to the synced directory or prefix ('/'-separated). */
  pattern: string;
}

/** Whether a relative path takes part in the sync. */
export type PathFilter = (relativePath: string) => boolean;

export function compileFilters(filters: readonly SyncFilter[]): PathFilter {
  const compiled = filters.map((f) => ({
    include: f.kind === 'include',
    regex: globRegex(f.pattern),
  }));
  return (path) => {
    let included = true;
    for (const { include, regex } of compiled) if (regex.test(path)) included = include;
    return included;
  };
}

/**
 * A glob as Python's fnmatch reads it (what the AWS CLI uses): `*` any run of characters
 * including "/", `?` one character, `[abc]`/`[!abc]` a class; anything else literal.
 */
export function globRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      source += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
