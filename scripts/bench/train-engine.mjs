// The pieces of the release-train analysis (train-matrix.mjs, train-simulate.mjs): the
// train's files, the uploader's own encoder and sketcher compiled from src/ into
// .bench/matrix-build/ (never the repo's dist/), and the measured pairs.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { trainData, trainNamed } from './train.mjs';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const BENCH = join(ROOT, '.bench');
const BUILD = join(BENCH, 'matrix-build');
/** The train analysed: `--train=<name>` on the command line (TRAINS in train.mjs), esbuild by default. */
export const TRAIN = trainNamed(
  process.argv.find((a) => a.startsWith('--train='))?.slice('--train='.length),
);
/** What a cache file of this train is called: `train-matrix.jsonl`, `train-matrix-rollup.jsonl`. */
export const trainCache = (stem, ext) =>
  join(BENCH, TRAIN.name === 'esbuild' ? `${stem}.${ext}` : `${stem}-${TRAIN.name}.${ext}`);
/** One measured pair a line: `{ ref, file, bytes }` (ref === file: the zero-diff delta). */
export const PAIRS = trainCache('train-matrix', 'jsonl');
const run = promisify(execFile);
// Under Node 20 (the system `node` here) the codec aborts every expansion, and the matrix
// silently measures deltas of the compressed files: run these with Node 24 (engines).
if (Number(process.versions.node.split('.')[0]) < 24)
  throw new Error(`Node ${process.version}: run with Node 24 (node_modules/.bin/node)`);

/** A module of src/, compiled with tsc on first use. */
export async function load(path) {
  if (!existsSync(join(BUILD, 'src/core/upload/encode.js'))) {
    console.error('compiling src/ into .bench/matrix-build/');
    await run(process.execPath, [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(ROOT, 'tsconfig.json'),
      '--outDir',
      BUILD,
    ]);
  }
  return import(pathToFileURL(join(BUILD, 'src', path)).href);
}

/** The train's files in upload order: `{ path, name, version (index), size }`. */
export async function trainFiles() {
  const steps = await trainData(BENCH, TRAIN);
  const files = steps.flatMap((s, version) =>
    s.files.map((path) => ({ path, version, name: basename(path) })),
  );
  for (const f of files) f.size = (await stat(f.path)).size;
  return files;
}

/** What is measured so far: `"j i"` to bytes. */
export async function readPairs(files) {
  const map = new Map();
  if (!existsSync(PAIRS)) return map;
  for (const line of (await readFile(PAIRS, 'utf8')).split('\n').filter(Boolean)) {
    const { ref, file, bytes } = JSON.parse(line);
    const [j, i] = [ref, file].map((n) => files.findIndex((f) => f.name === n));
    map.set(`${j} ${i}`, bytes);
  }
  return map;
}

/** `{ names, versions, sizes, refCost[i], delta[j][i] }`: null where not measured. */
export function matrixOf(files, measuredPairs) {
  const n = files.length;
  const delta = Array.from({ length: n }, () => Array(n).fill(null));
  const refCost = [];
  const sizes = files.map((f) => f.size);
  for (let i = 0; i < n; i++) {
    refCost.push(sizes[i] + measuredPairs.get(`${i} ${i}`));
    for (let j = 0; j < n; j++)
      if (j !== i && measuredPairs.has(`${j} ${i}`)) delta[j][i] = measuredPairs.get(`${j} ${i}`);
  }
  return {
    names: files.map((f) => f.name),
    versions: files.map((f) => f.version),
    sizes,
    refCost,
    delta,
  };
}

/** The uploader's DeltaEncoder and expansion, built from the compiled src/ as app/use-cases does. */
export async function uploaderEncoder() {
  const { LocalFiles } = await load('adapters/local-files.js');
  const { Sha256Hasher } = await load('adapters/sha256-hasher.js');
  const { Xdelta3Differ } = await load('adapters/xdelta3/differ.js');
  const { ArchiveCodec } = await load('adapters/archive/index.js');
  const { withLocalErrors } = await load('adapters/local-errors.js');
  const { ArchiveViews } = await load('core/archive-views.js');
  const { DeltaEncoder } = await load('core/upload/encode.js');
  const { expandFile } = await load('core/upload/local-file.js');
  const quiet = { info() {}, debug() {}, warning: (m) => console.error(m), notice() {} };
  const files = new LocalFiles(join(BENCH, 'tmp'));
  const hasher = new Sha256Hasher();
  const codec = withLocalErrors(new ArchiveCodec({ tempDir: files.scratchDir, logger: quiet }));
  const deps = {
    archives: new ArchiveViews(codec, files, hasher),
    differ: new Xdelta3Differ({ binary: process.env.XDELTA3 ?? 'xdelta3' }),
    files,
    hasher,
    log: quiet,
  };
  const encoder = new DeltaEncoder(deps);
  return {
    async local(path) {
      const file = {
        path,
        name: basename(path),
        size: (await stat(path)).size,
        sha256: await hasher.sha256File(path),
      };
      file.expanded = await expandFile(deps, { archiveAware: true }, file);
      return file;
    },
    async size(file, ref) {
      const encoded = await encoder.encode(file, ref.path, ref.sha256);
      await encoded.dispose();
      return encoded.size;
    },
    dispose: () => files.dispose(),
  };
}
