// Which gzip recipes the bundled port makes, and the version recorded for them.
//
// Version 1 makes the output of GNU gzip's deflate as gzip 1.x writes it (unchanged since
// gzip 1.2.4 in 1993; checked byte for byte against gzip 1.12 at every level,
// __tests__/integration/gzip-port.test.ts). A port that changed its output would be
// version 2, and the recipes it writes would name it: a release whose port is older does
// not use its port for them, and needs the binary instead.
export const GZIP_PORT_VERSION = 1;

/** Recorded in the expanded form's `producers`. */
export const GZIP_PORT_PRODUCER = `gzip-port ${GZIP_PORT_VERSION} (GNU gzip 1.x deflate, reimplemented)`;

/**
 * Whether the port makes this recipe's bytes: not --rsyncable (the binary's alone), and
 * named by a port no newer than this one. A recipe with no port version was written
 * before the port existed, by the binary, whose output version 1 reproduces.
 */
export function gzipPortMakes(recipe: { rsyncable: boolean; port?: number }): boolean {
  return !recipe.rsyncable && (recipe.port === undefined || recipe.port <= GZIP_PORT_VERSION);
}
