// ncc's --license collects the licences of npm packages only. Code ported into src/ under
// another licence keeps its notice in a LICENSE file beside it; this appends those notices
// to each bundle's licenses.txt, after ncc has written it.
import { appendFile, readFile } from 'node:fs/promises';

const VENDORED = [
  { name: 'go-flate (Go compress/flate, ported)', file: 'src/adapters/archive/go-flate/LICENSE' },
  {
    name: 'gzip-port (GNU gzip deflate output, after zlib)',
    file: 'src/adapters/archive/gzip-port/LICENSE',
  },
];
// dist/post never loads the archive codec.
const BUNDLES = ['dist/main', 'dist/cli'];

for (const bundle of BUNDLES) {
  for (const { name, file } of VENDORED) {
    const text = await readFile(file, 'utf8');
    await appendFile(`${bundle}/licenses.txt`, `\n${name}\n${text}`);
  }
}
