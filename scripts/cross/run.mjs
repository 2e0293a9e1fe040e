// `node scripts/cross/run.mjs arm64|windows [--install-only]`: installs what the cross test
// needs when it is missing (see provision.mjs), then runs that test file
// (__tests__/e2e/<name>.slow.test.ts; it needs the bundle: `npm run build` first).
// --install-only stops after the install (.ci/run, whose test:all then runs the file).
import { spawnSync } from 'node:child_process';
import { installArm64, installWindows } from './provision.mjs';

const targets = { arm64: installArm64, windows: installWindows };
const name = process.argv[2];
const install = targets[name];
if (!install) {
  process.stderr.write(`usage: node scripts/cross/run.mjs ${Object.keys(targets).join('|')}\n`);
  process.exit(2);
}
const started = Date.now();
const found = install();
if ('missing' in found) {
  process.stderr.write(`could not install ${found.missing}\n`);
  process.exit(1);
}
process.stderr.write(`${name}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
if (process.argv.includes('--install-only')) process.exit(0);
const jest = spawnSync(
  'npm',
  ['run', 'test:slow', '--', `__tests__/e2e/${name}.slow.test.ts`, '--maxWorkers=1'],
  { stdio: 'inherit' },
);
process.exit(jest.status ?? 1);
