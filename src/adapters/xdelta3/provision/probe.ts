// Runs `xdelta3 -V` once: proves the binary starts on this runner (right OS, CPU and
// libraries) and tells which version it is.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describePlatform } from './platform.js';
import { DeltaGliderError } from '../../../core/errors.js';

const run = promisify(execFile);

/** The version a binary reports, e.g. "3.0.11"; throws when it does not run. */
export async function probeXdelta3(binary: string): Promise<string> {
  let output: string;
  try {
    // xdelta3 prints its banner on stderr; read both in case a build differs.
    const { stdout, stderr } = await run(binary, ['-V'], { timeout: 30_000, windowsHide: true });
    output = `${stderr}\n${stdout}`;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DeltaGliderError(
      `xdelta3 at ${binary} does not run on this runner (${describePlatform()}): ${detail.trim()}`,
      'Use a build for this OS and CPU',
      { code: 'xdelta3-unusable', fields: { path: binary } },
    );
  }
  const match = /xdelta version (\d[^\s,]*)/i.exec(output);
  if (!match?.[1]) {
    const first = output.trim().split('\n')[0] ?? '';
    throw new DeltaGliderError(
      `${binary} ran but did not report an xdelta3 version to -V (it printed: "${first}")`,
      'Is it really xdelta3?',
      { code: 'xdelta3-unusable', fields: { path: binary } },
    );
  }
  return match[1];
}

/**
 * xdelta3 releases that read and write the same VCDIFF (RFC 3284 plus the same secondary
 * compressor IDs): Debian's 3.0.11, which the format notes were measured with, and the
 * 3.1.0 that Homebrew and MSYS2 ship. Any of them stands in for another without a warning.
 */
const SAME_VCDIFF = new Set(['3.0.11', '3.1.0']);

/** Whether `reported` can stand in for the `requested` version. */
export function readsSameVcdiff(reported: string, requested: string): boolean {
  return reported === requested || (SAME_VCDIFF.has(reported) && SAME_VCDIFF.has(requested));
}
