// The bundled port of GNU gzip's deflate against the real gzip binary: byte for byte what
// `gzip -n -<level>` writes at every level, on text, a tar, a binary, random bytes and
// zeros, at sizes around the 32 KiB window, the 64 KiB buffer and past 1 MiB, whatever the
// chunks the content arrives in. Skipped, with one line saying why, where GNU gzip is not
// installed.
import { afterAll, expect, test } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { deflateWithGzipPort } from '../../src/adapters/archive/gzip-port/engine.js';
import { gzipPortMakes } from '../../src/adapters/archive/gzip-port/recipe.js';
import { candidateRecipes, parseRecipe } from '../../src/adapters/archive/deflate-recipes.js';
import {
  deflateInPieces,
  firstDifference,
  noise,
  scratch,
  text,
} from '../helpers/archive-fixtures.js';
import { skipNote } from '../helpers/skip-note.js';

const run = promisify(execFile);
const work = await scratch('dg-gzip-port-');
afterAll(() => work.cleanup());

function gnuGzip(): string | undefined {
  try {
    const version = execFileSync('gzip', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
    return /^gzip \d+\.\d+/.test(version) ? undefined : `"gzip" is not GNU gzip (${version})`;
  } catch {
    return 'GNU gzip is not on PATH';
  }
}
const reason = gnuGzip();
if (reason) skipNote(`gzip-port oracle: ${reason}`);
const gzipTest = reason ? test.skip : test;

/** What `gzip -n -<level> -c` writes for `data`, its 10-byte header and trailer dropped. */
async function gzipBody(data: Buffer, level: number): Promise<Buffer> {
  const input = await work.file(`in-${level}`, data);
  const { stdout } = await run('gzip', ['-n', `-${level}`, '-c', input], {
    encoding: 'buffer',
    maxBuffer: 1 << 28,
  });
  return stdout.subarray(10, stdout.length - 8);
}

/** What the port writes, through its streaming interface, content in `chunk`-byte pieces. */
function portDeflate(level: number, data: Buffer, chunk: number): Promise<Buffer> {
  return deflateInPieces(
    (content, consume) => deflateWithGzipPort(level, content, consume),
    data,
    chunk,
  );
}

/** A tar of this repository's sources: what `tar czf` of a release holds. */
function sourceTar(): Buffer {
  const root = path.resolve(import.meta.dirname, '../..');
  return execFileSync('tar', ['cf', '-', '--sort=name', 'src', 'docs'], {
    cwd: root,
    maxBuffer: 1 << 28,
  });
}

const tar = reason ? Buffer.alloc(0) : sourceTar();
const body = text(1_500_000, 7);
const cases: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('a')],
  ['tiny', Buffer.from('hello hello hello, gzip')],
  ...[32_767, 32_768, 32_769, 65_535, 65_536, 65_537, 65_536 + 262].map(
    (size): [string, Buffer] => [`text of ${size} bytes`, body.subarray(0, size)],
  ),
  ['text past 1 MiB', body],
  ['tar of the sources', tar],
  // Ends where gzip no longer searches for matches (past 64 KiB - 262 of its window).
  ['tar cut to 65,300 bytes', tar.subarray(0, 65_300)],
  ['tar cut to 65,400 bytes', tar.subarray(0, 65_400)],
  ['binary (node)', readFileSync(process.execPath).subarray(0, 1_200_000)],
  ['random', noise(300_000, 3)],
  ['zeros', Buffer.alloc(1_100_000)],
  // Random then text, then what came before: stored blocks, then long matches far back.
  ['mixed', Buffer.concat([noise(100_000, 5), body.subarray(0, 200_000), noise(70_000, 5)])],
];

for (const level of [6, 9, 1, 2, 3, 4, 5, 7, 8]) {
  gzipTest(
    `level ${level}: byte for byte what gzip -n -${level} writes`,
    async () => {
      for (const [name, data] of cases) {
        const gzip = await gzipBody(data, level);
        // 64 KiB chunks (a file stream), and 17,000-byte ones that never line up.
        for (const chunk of [64 * 1024, 17_000]) {
          const port = await portDeflate(level, data, chunk);
          expect({ name, chunk, firstDifference: firstDifference(port, gzip) }).toEqual({
            name,
            chunk,
            firstDifference: -1,
          });
        }
      }
    },
    180_000,
  );
}

test('the port makes every gzip recipe but --rsyncable and newer ports', () => {
  const makes = (fields: object) => {
    const recipe = parseRecipe(fields);
    return recipe.engine === 'gzip' && gzipPortMakes(recipe);
  };
  expect(makes({ engine: 'gzip', level: 6, rsyncable: false })).toBe(true);
  expect(makes({ engine: 'gzip', level: 9, rsyncable: false, port: 1 })).toBe(true);
  expect(makes({ engine: 'gzip', level: 6, rsyncable: true })).toBe(false);
  expect(makes({ engine: 'gzip', level: 6, rsyncable: false, port: 2 })).toBe(false);
  expect(() => parseRecipe({ engine: 'gzip', level: 6, rsyncable: false, port: 'x' })).toThrow(
    /port/,
  );
  // Without the binary, the search still has every gzip level, and records the port.
  const gzip = candidateRecipes({ gzipBinary: false }).filter((r) => r.engine === 'gzip');
  expect(gzip.map((r) => r.level).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(gzip.every((r) => r.engine === 'gzip' && r.port === 1 && !r.rsyncable)).toBe(true);
  const withBinary = candidateRecipes({ gzipBinary: true }).filter((r) => r.engine === 'gzip');
  expect(withBinary.some((r) => r.engine === 'gzip' && r.rsyncable && r.port === undefined)).toBe(
    true,
  );
});
