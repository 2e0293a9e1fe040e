// The npm package of the CLI (packages/cli), as a user gets it: `npm pack`, the tarball
// installed offline into an empty folder, its `deltaglider` bin run against the test S3.
// Needs `npm run build` first (the package copies dist/cli).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { expectSameFile } from '../helpers/same-bytes.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const PKG = join(ROOT, 'packages/cli');

let server: S3TestServer;
let work: string;

beforeAll(async () => {
  server = await startS3Server();
  work = await mkdtemp(join(tmpdir(), 'dg-cli-package-'));
});

afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

it('packs one bundled file with no dependencies, installs offline and runs cp and ls', async () => {
  if (!existsSync(join(ROOT, 'dist/cli/index.js'))) {
    throw new Error('dist/cli/index.js is missing: run `npm run build` first');
  }
  await run(process.execPath, ['scripts/cli-package.mjs'], { cwd: ROOT });
  const manifest = JSON.parse(await readFile(join(PKG, 'package.json'), 'utf8'));
  const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  expect(manifest.version).toBe(root.version);
  expect(manifest.dependencies ?? {}).toEqual({});

  // What ncc left outside the bundle is loaded with createRequire: only Node's own modules.
  const bundle = await readFile(join(PKG, 'dist/index.js'), 'utf8');
  const required = [...bundle.matchAll(/createRequire\(import\.meta\.url\)\("([^"]+)"\)/g)];
  expect(required.length).toBeGreaterThan(10);
  expect(required.map((m) => m[1]!).filter((name) => !isBuiltin(name))).toEqual([]);

  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: PKG });
  const [{ filename, files }] = JSON.parse(packed.stdout);
  expect(files.map((f: { path: string }) => f.path).sort()).toEqual([
    'LICENSE',
    'README.md',
    'dist/index.js',
    'dist/licenses.txt',
    'package.json',
  ]);

  // An empty folder and an empty npm cache: nothing can come from anywhere but the tarball.
  const app = join(work, 'app');
  await mkdir(app);
  await run(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--cache',
      join(work, 'npm-cache'),
      join(work, filename),
    ],
    { cwd: app },
  );
  const bin = join(app, 'node_modules/.bin/deltaglider');

  const v1 = join(work, 'app-1.zip');
  const v2 = join(work, 'app-2.zip');
  await writeArtifact(v1, 1024 * 1024, 31);
  await writeNextVersion(v1, v2, { seed: 32 });
  const bucket = await server.createBucket();
  const env = { ...process.env, XDG_CACHE_HOME: join(work, 'dg-cache') };
  const dg = (...args: string[]) =>
    run(bin, [...args, '--endpoint-url', server.endpoint], { env, cwd: app });
  await dg('cp', v1, `s3://${bucket}/app/`);
  await dg('cp', v2, `s3://${bucket}/app/`);
  const listing = JSON.parse((await dg('ls', '--json', `s3://${bucket}/app/`)).stdout);
  expect(listing.results.map((r: { name: string; kind: string }) => [r.name, r.kind])).toEqual([
    ['app-1.zip', 'delta'],
    ['app-2.zip', 'delta'],
  ]);
  await dg('cp', `s3://${bucket}/app/app-2.zip`, join(work, 'out') + '/');
  await expectSameFile(join(work, 'out/app-2.zip'), v2);
}, 180_000);
