// Run under another architecture's Node (bundled by ncc first, since that Node has no
// TypeScript): prints, as one JSON line, what each golden deflate case writes there, for the
// test to compare with the pinned hashes.
import { GOLDEN_CASES, goldenContent, measure, sha256 } from '../helpers/deflate-golden.js';

const content = goldenContent();
process.stdout.write(
  JSON.stringify({
    arch: process.arch,
    node: process.version,
    zlib: process.versions.zlib,
    content: sha256(content),
    hashes: GOLDEN_CASES.map((golden) => measure(golden, content)),
  }) + '\n',
);
