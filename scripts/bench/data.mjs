// The benchmark's inputs, built on this machine and cached under .bench/ (gitignored):
// real consecutive releases of npm packages that ship a large native binary, fetched with
// `npm pack` (as the .tgz, the uncompressed .tar and the bare binary), and synthetic
// artifacts of hundreds of MiB.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { writeArtifact, writeNextVersion } from '../lib/artifacts.mjs';

const run = promisify(execFile);
const MIB = 1024 * 1024;

/**
 * Real release pairs. @biomejs/cli-linux-x64 ships one ~95 MiB executable: bigger than
 * xdelta3's default 64 MiB window. @swc/core-linux-x64-gnu ships a ~10 MiB .node addon.
 */
export const NPM_PAIRS = {
  biome: {
    pkg: '@biomejs/cli-linux-x64',
    versions: ['2.6.7', '2.6.8'],
    binary: 'package/biome',
    ext: 'bin',
  },
  swc: {
    pkg: '@swc/core-linux-x64-gnu',
    versions: ['1.16.21', '1.16.22'],
    binary: 'package/swc.linux-x64-gnu.node',
    ext: 'node',
  },
};

/** Writes `path` through `produce(tempPath)` unless it exists: an interrupted run leaves no half file. */
async function cached(path, produce) {
  if (existsSync(path)) return path;
  const temp = `${path}.partial`;
  await rm(temp, { force: true });
  await produce(temp);
  await rename(temp, path);
  return path;
}

/**
 * One version of an npm package in three forms: `{ tgz, tar, bin }` paths, each named
 * after the package and version (the names the files would have as release assets).
 */
async function npmVersion(dir, pair, version) {
  const base = `${pair.pkg.replace(/^@/, '').replace('/', '-')}-${version}`;
  const tgz = await cached(join(dir, `${base}.tgz`), async (temp) => {
    const { stdout } = await run('npm', ['pack', `${pair.pkg}@${version}`, '--silent'], {
      cwd: dir,
      maxBuffer: 1024 * 1024,
    }).catch((error) => {
      throw new Error(
        `npm pack ${pair.pkg}@${version} failed (${error.message.trim()}); the benchmark needs the npm registry once, then uses .bench/npm`,
      );
    });
    await rename(join(dir, stdout.trim().split('\n').pop()), temp);
  });
  const tar = await cached(join(dir, `${base}.tar`), (temp) =>
    pipeline(createReadStream(tgz), createGunzip(), createWriteStream(temp)),
  );
  const bin = await cached(join(dir, `${base}.${pair.ext}`), async (temp) => {
    const out = join(dir, `${base}.extract`);
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    await run('tar', ['-xf', tar, '-C', out, pair.binary]);
    await rename(join(out, pair.binary), temp);
    await rm(out, { recursive: true, force: true });
  });
  return { tgz, tar, bin };
}

/** `{ old: {tgz, tar, bin}, new: {...} }` for a pair of NPM_PAIRS. */
export async function npmPair(root, name) {
  const pair = NPM_PAIRS[name];
  const dir = join(root, 'npm');
  await mkdir(dir, { recursive: true });
  const [oldVersion, newVersion] = pair.versions;
  return {
    pkg: pair.pkg,
    versions: pair.versions,
    old: await npmVersion(dir, pair, oldVersion),
    new: await npmVersion(dir, pair, newVersion),
  };
}

/**
 * A synthetic release pair of `sizeMiB`: `edits` (scattered edits and a 4 KiB insertion
 * near the start, artifacts.mjs) or `moved` (the same edits, and the second half of the
 * file moved to the front, as when a build reorders its sections: matches then lie
 * further away than xdelta3's default window).
 */
export async function syntheticPair(root, sizeMiB, shape, seed = 1) {
  const old = await syntheticOld(root, sizeMiB, seed);
  const edited = await cached(join(root, 'synth', `app-${sizeMiB}m-s${seed}-1.1.bin`), (temp) =>
    writeNextVersion(old, temp, { seed: seed + 1 }),
  );
  if (shape === 'edits') return { old, new: edited };
  const moved = await cached(
    join(root, 'synth', `app-${sizeMiB}m-s${seed}-1.1-moved.bin`),
    (temp) => moveSecondHalfToFront(edited, temp),
  );
  return { old, new: moved };
}

/** The old version of a synthetic pair (`sizeMiB` of artifact-like bytes from `seed`). */
export async function syntheticOld(root, sizeMiB, seed = 1) {
  const dir = join(root, 'synth');
  await mkdir(dir, { recursive: true });
  return cached(join(dir, `app-${sizeMiB}m-s${seed}-1.0.bin`), (temp) =>
    writeArtifact(temp, sizeMiB * MIB, seed),
  );
}

/** Further next versions of one synthetic old file (several artifacts against one reference). */
export async function syntheticVariants(root, old, count) {
  const dir = join(root, 'synth');
  const paths = [];
  for (let i = 1; i <= count; i++) {
    const name = old
      .replace(/-1\.0\.bin$/, `-1.1-variant${i}.bin`)
      .split('/')
      .pop();
    paths.push(
      await cached(join(dir, name), (temp) => writeNextVersion(old, temp, { seed: 100 + i })),
    );
  }
  return paths;
}

async function moveSecondHalfToFront(src, dest) {
  const { size } = await stat(src);
  const cut = Math.floor(size / 2 / 4096) * 4096;
  const out = createWriteStream(dest);
  await pipeline(createReadStream(src, { start: cut, highWaterMark: MIB }), out, { end: false });
  await pipeline(createReadStream(src, { end: cut - 1, highWaterMark: MIB }), out);
}
