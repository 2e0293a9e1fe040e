// Fills packages/cli/ for `npm pack` / `npm publish`: the CLI bundle ncc built
// (dist/cli/index.js, one file, every dependency inside), its licences and the LICENSE.
// The package's version must equal the action's: they are released together.
import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises';

const PKG = 'packages/cli';
const root = JSON.parse(await readFile('package.json', 'utf8'));
const cli = JSON.parse(await readFile(`${PKG}/package.json`, 'utf8'));
if (cli.version !== root.version) {
  process.stderr.write(
    `cli-package: ${PKG}/package.json is ${cli.version}, package.json ${root.version}\n` +
      `  fix: set both to the version being released\n`,
  );
  process.exit(1);
}
await mkdir(`${PKG}/dist`, { recursive: true });
await copyFile('dist/cli/index.js', `${PKG}/dist/index.js`);
await chmod(`${PKG}/dist/index.js`, 0o755);
await copyFile('dist/cli/licenses.txt', `${PKG}/dist/licenses.txt`);
await copyFile('LICENSE', `${PKG}/LICENSE`);
