// A delta made without -D (the reference DeltaGlider CLI's, of a gzip/bzip2/xz file) makes
// xdelta3 decompress the reference itself, into a temporary file of whatever size it
// inflates to: a gzip bomb stored as reference.bin would fill the disk before the output
// bound (dg-file-size) could act. So the reference's decompressed size is measured first,
// streaming and stopping at the limit. The decompression is then done twice; this path is
// only taken for such deltas.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { OutputLimitError } from '../../core/output-limit.js';

/** The decompressor xdelta3 runs for each compression letter of its application header. */
const DECOMPRESSORS: Record<string, string[]> = {
  G: ['gzip', '-dc'],
  B: ['bzip2', '-dc'],
  Y: ['xz', '-dc'],
  Z: ['gzip', '-dc'],
};

/**
 * Rejects with OutputLimitError when `referencePath`, decompressed as `letter` says,
 * passes `maxBytes`; resolves otherwise (also when the decompressor fails or is missing:
 * xdelta3 then fails the decode on its own).
 */
export function assertSourceInflatesWithin(
  referencePath: string,
  letter: string,
  maxBytes: number,
): Promise<void> {
  const command = DECOMPRESSORS[letter];
  if (!command) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
    const input = createReadStream(referencePath);
    input.on('error', () => child.kill('SIGKILL'));
    child.stdin.on('error', () => undefined); // closed early when we stop reading
    input.pipe(child.stdin);
    let inflated = 0;
    let over = false;
    child.stdout.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
      if (inflated > maxBytes && !over) {
        over = true;
        input.destroy();
        child.kill('SIGKILL');
      }
    });
    child.on('error', () => resolve());
    child.on('close', () => {
      if (!over) return resolve();
      reject(
        new OutputLimitError(
          maxBytes,
          `The reference inflates to more than ${maxBytes} bytes when decompressed for this ` +
            'delta (made without -D, so xdelta3 would decompress it to a temporary file); ' +
            'decoding was refused',
        ),
      );
    });
  });
}
